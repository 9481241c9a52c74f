// Regenerates siem/apitrail-index-template.json from the built @apitrail/core's FIELD_MAPPINGS.
// Run after changing FIELD_MAPPINGS in semconv.ts and `npx tsc -b packages/core`.
import { loadCore } from './lib/sigma-pipelines.mjs';
import { writeIndexTemplate } from './lib/siem-index-template.mjs';

const changed = await writeIndexTemplate(loadCore());
process.stdout.write(
  changed ? 'updated: siem/apitrail-index-template.json\n' : 'siem/apitrail-index-template.json: up to date\n',
);
