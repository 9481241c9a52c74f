#!/usr/bin/env node
// Builds what the SIEM tests and `npm run demo -- --siem` need, each cached under ~/.cache/apitrail
// by the hash of its sources: the OpenSearch launcher (siem/opensearch/, Maven) and the virtual
// environment with pySigma's OpenSearch backend (siem/sigma/requirements.txt). Prints the launcher
// build's directory on stdout; progress goes to stderr.
import { ensureOpenSearch } from './lib/opensearch.mjs';
import { ensureSigmaOpenSearch } from './lib/sigma-opensearch.mjs';

try {
  const [dist] = await Promise.all([ensureOpenSearch(), ensureSigmaOpenSearch()]);
  process.stdout.write(`${dist}\n`);
} catch (error) {
  process.stderr.write(`siem:build failed: ${error.message}\n`);
  process.exitCode = 1;
}
