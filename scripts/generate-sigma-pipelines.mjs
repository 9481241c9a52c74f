// Regenerates the pySigma processing pipelines in rules/pipelines/ from the built @apitrail/core.
// Run after changing FIELD_MAPPINGS in semconv.ts and `npx tsc -b packages/core`.
import { writePipelines } from './lib/sigma-pipelines.mjs';

const changed = await writePipelines();
process.stdout.write(changed.length === 0 ? 'rules/pipelines: up to date\n' : `updated: ${changed.join(', ')}\n`);
