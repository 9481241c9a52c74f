// The generated tables of docs/: the attribute mapping (docs/attributes.md) from @apitrail/core's
// FIELD_MAPPINGS, so the documentation cannot drift from what the exporters and the collector's ECS
// transform do, and the configuration reference (docs/configuration.md) from its CONFIG_VARIABLES.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiTable, apiTablePackages } from './api-tables.mjs';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

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
  const { FIELD_MAPPINGS } = createRequire(import.meta.url)('@apitrail/core/internal');
  const rows = FIELD_MAPPINGS.map((mapping) => {
    const unit = mapping.unit === 'seconds' ? ' (s)' : '';
    const ndjson = mapping.shape === 'query' ? `\`${mapping.ndjson}\` (object)` : `\`${mapping.ndjson}\`${unit}`;
    const ecs = mapping.unit === 'seconds' ? `\`${mapping.ecs}\` (ns)` : `\`${mapping.ecs}\``;
    return `| \`${mapping.attribute}\`${unit} | ${ndjson} | ${ecs} |`;
  });
  return ['| OTel attribute | NDJSON field | ECS field |', '| --- | --- | --- |', ...rows, ...RECORD_FIELDS].join('\n');
}

export function configurationTable() {
  const { CONFIG_VARIABLES } = createRequire(import.meta.url)('@apitrail/core/internal');
  // Descriptions link to documents by their path from the repository root; the table lives in docs/.
  const rows = CONFIG_VARIABLES.map(
    (row) =>
      `| ${row.names.map((name) => `\`${name}\``).join(', ')} | ${row.defaultValue} | ${row.description.replaceAll('](docs/', '](')} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** Each generated document (relative to the repository root) and the tables it holds. */
export const GENERATED_DOCS = {
  'docs/attributes.md': { 'mapping-table': mappingTable },
  'docs/configuration.md': { 'configuration-table': configurationTable },
  // Each package README's API table: what its public entry exports (build the packages first).
  ...Object.fromEntries(
    apiTablePackages(join(repoRoot, 'packages')).map((pkg) => [
      `packages/${pkg}/README.md`,
      { 'api-table': () => apiTable(join(repoRoot, 'packages'), pkg) },
    ]),
  ),
};

function block(name) {
  return new RegExp(`(<!-- BEGIN GENERATED ${name}[^>]*-->\\n)[\\s\\S]*?(\\n<!-- END GENERATED ${name} -->)`);
}

/** `text` of the document `path` with every generated block re-rendered, formatted as Prettier formats it. */
export async function renderDoc(path, text) {
  let replaced = text;
  for (const [name, render] of Object.entries(GENERATED_DOCS[path])) {
    if (!block(name).test(replaced)) throw new Error(`${path} has no ${name} block`);
    replaced = replaced.replace(block(name), (_, begin, end) => `${begin}${render()}${end}`);
  }
  const prettier = await import('prettier');
  const filepath = join(repoRoot, path);
  return prettier.format(replaced, { ...(await prettier.resolveConfig(filepath)), filepath });
}
