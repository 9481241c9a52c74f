// The OpenSearch/Elasticsearch index template for the indices collector-config/siem-elasticsearch.yaml
// writes (`apitrail-*`), rendered from @apitrail/core's FIELD_MAPPINGS: every mapped ECS field gets
// its type from the table (`ecsType`, keyword by default), so `source.ip` is an ip, the status code a
// long, and a Sigma query or an aggregation on them means what it says. Fields outside the table
// (the exporter's resource fields, alert evidence) are mapped dynamically, strings as keywords.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const indexTemplatePath = join(repoRoot, 'siem', 'apitrail-index-template.json');
export const INDEX_TEMPLATE_NAME = 'apitrail';
export const INDEX_PATTERN = 'apitrail-*';

/** What the exporter's ECS mapping mode adds to every document, beside the mapped attributes. */
const EXPORTER_FIELDS = {
  '@timestamp': { type: 'date_nanos' },
  message: { type: 'text' },
  'log.level': { type: 'keyword' },
  'trace.id': { type: 'keyword' },
  'span.id': { type: 'keyword' },
};

function fieldType(mapping) {
  const type = mapping.ecsType ?? 'keyword';
  // A value the type cannot hold (a client address that is a socket path) must not cost the whole
  // document: it is kept in _source, unindexed, and the document is indexed. Booleans have no such
  // option; apitrail only ever writes true/false there.
  if (type === 'keyword') return { type, ignore_above: 1024 };
  return type === 'boolean' ? { type } : { type, ignore_malformed: true };
}

/** The composable index template (PUT _index_template/apitrail) as a plain object. */
export function indexTemplate(core) {
  const properties = { ...EXPORTER_FIELDS };
  for (const mapping of core.FIELD_MAPPINGS) properties[mapping.ecs] = fieldType(mapping);
  return {
    index_patterns: [INDEX_PATTERN],
    priority: 200,
    template: {
      settings: {
        // One node in the tests and the demo; raise it on a real cluster.
        number_of_shards: 1,
        number_of_replicas: 0,
      },
      mappings: {
        dynamic_templates: [
          { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
        ],
        properties: Object.fromEntries(Object.entries(properties).sort(([a], [b]) => a.localeCompare(b))),
      },
    },
    _meta: {
      description: 'apitrail audit records and security events; generated from FIELD_MAPPINGS in @apitrail/core',
      generated_by: 'node scripts/generate-siem-index-template.mjs',
    },
  };
}

/** The template file, laid out as Prettier lays out the repository's JSON. */
export async function renderIndexTemplate(core) {
  const prettier = await import('prettier');
  return prettier.format(JSON.stringify(indexTemplate(core)), {
    ...(await prettier.resolveConfig(indexTemplatePath)),
    filepath: indexTemplatePath,
  });
}

/** Rewrites the template file; true when it changed. */
export async function writeIndexTemplate(core) {
  const before = await readFile(indexTemplatePath, 'utf8').catch(() => '');
  const after = await renderIndexTemplate(core);
  if (after === before) return false;
  await writeFile(indexTemplatePath, after);
  return true;
}

/** Installs the template on a node (before the first document is indexed). */
export async function putIndexTemplate(url, core) {
  const response = await fetch(new URL(`/_index_template/${INDEX_TEMPLATE_NAME}`, url), {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(indexTemplate(core)),
  });
  if (!response.ok)
    throw new Error(`PUT _index_template/${INDEX_TEMPLATE_NAME}: ${response.status} ${await response.text()}`);
}
