// The README's attribute mapping table, rendered from @apitrail/core's FIELD_MAPPINGS so the
// documentation cannot drift from what the exporters and the collector's ECS transform do.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const readmePath = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');

/** Fields that come from the log record itself rather than from an attribute. */
const RECORD_FIELDS = [
  '| LogRecord time | `timestamp` (ISO 8601 UTC, `Z`) | `@timestamp` |',
  '| severity text | `level` | `log.level` |',
  '| body | `message` | `message` |',
  '| instrumentation scope name | `logger` | `log.logger` |',
  '| EventName | `event` | `event.action` (security events) |',
  '| trace id / span id | `trace_id` / `span_id` | `trace.id` / `span.id` |',
];

export function mappingTable() {
  const { FIELD_MAPPINGS } = createRequire(import.meta.url)('@apitrail/core');
  const rows = FIELD_MAPPINGS.map((mapping) => {
    const unit = mapping.unit === 'seconds' ? ' (s)' : '';
    const ndjson = mapping.shape === 'query' ? `\`${mapping.ndjson}\` (object)` : `\`${mapping.ndjson}\`${unit}`;
    const ecs = mapping.unit === 'seconds' ? `\`${mapping.ecs}\` (ns)` : `\`${mapping.ecs}\``;
    return `| \`${mapping.attribute}\`${unit} | ${ndjson} | ${ecs} |`;
  });
  return ['| OTel attribute | NDJSON field | ECS field |', '| --- | --- | --- |', ...rows, ...RECORD_FIELDS].join('\n');
}

const BLOCK = /(<!-- BEGIN GENERATED mapping-table[^>]*-->\n)[\s\S]*?(\n<!-- END GENERATED mapping-table -->)/;

/** `readme` with the mapping-table block re-rendered, formatted as Prettier formats the file. */
export async function renderReadme(readme) {
  if (!BLOCK.test(readme)) throw new Error('README.md has no mapping-table block');
  const prettier = await import('prettier');
  const replaced = readme.replace(BLOCK, (_, begin, end) => `${begin}${mappingTable()}${end}`);
  return prettier.format(replaced, { ...(await prettier.resolveConfig(readmePath)), filepath: readmePath });
}
