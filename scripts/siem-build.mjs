#!/usr/bin/env node
// Builds the OpenSearch launcher (siem/opensearch/, Maven) unless a build for the same sources is
// cached, and prints the build's directory on stdout; progress goes to stderr.
import { ensureOpenSearch } from './lib/opensearch.mjs';

try {
  process.stdout.write(`${await ensureOpenSearch()}\n`);
} catch (error) {
  process.stderr.write(`siem:build failed: ${error.message}\n`);
  process.exitCode = 1;
}
