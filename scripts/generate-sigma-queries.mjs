// Regenerates rules/generated/ (the rules converted to Splunk SPL, ES|QL and OpenSearch/ECS Lucene)
// after a change to rules/*.yml or rules/pipelines/. Needs sigma-cli (as .ci/run installs it) and
// the OpenSearch backend's virtual environment (npm run siem:build).
import { mkdir } from 'node:fs/promises';
import { generatedDir, writeGeneratedQueries } from './lib/sigma-queries.mjs';

await mkdir(generatedDir, { recursive: true });
const changed = await writeGeneratedQueries();
process.stdout.write(changed.length === 0 ? 'rules/generated: up to date\n' : `updated: ${changed.join(', ')}\n`);
