// pySigma processing pipelines for the Sigma rules in rules/, one per place the audit records land,
// rendered from @apitrail/core's FIELD_MAPPINGS so a rule's field names follow the exporters. The rules
// are written with the NDJSON field names; each pipeline maps them to what its target stores and
// refuses a rule that uses a field the target does not have under the same meaning.
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const sigmaPipelinesDir = join(repoRoot, 'rules', 'pipelines');

/** Only the rules written for apitrail's records are rewritten. */
const APITRAIL_RULES = [{ type: 'logsource', product: 'apitrail' }];

/**
 * Where each target stores a mapped attribute, or undefined where the value differs in kind: ECS
 * keeps the duration in nanoseconds, and only NDJSON turns the query string into an object.
 */
const attributeField = {
  ndjson: (mapping) => mapping.ndjson,
  ecs: (mapping) => (mapping.unit === undefined && mapping.shape === undefined ? mapping.ecs : undefined),
  splunkHec: (mapping) => (mapping.shape === undefined ? mapping.attribute : undefined),
};

/**
 * The EventName: NDJSON's `event`; the Elasticsearch pipeline's transform copies it to `event.action`,
 * the Splunk one to the HEC field `event.name` (collector-config/siem-*.yaml).
 */
const eventNameField = { ndjson: 'event', ecs: 'event.action', splunkHec: 'event.name' };

export const TARGETS = [
  {
    key: 'ndjson',
    file: 'apitrail-ndjson.yaml',
    name: 'apitrail audit records as NDJSON lines (the ndjson logs exporter, shipped as files)',
    conditions: {},
  },
  {
    key: 'ecs',
    file: 'apitrail-elasticsearch-ecs.yaml',
    name: 'apitrail audit records in Elasticsearch, ECS (collector-config/siem-elasticsearch.yaml)',
    conditions: {},
    // siem-elasticsearch.yaml's default ELASTICSEARCH_LOGS_INDEX, for the backends that name an index (ES|QL).
    index: 'apitrail-security',
  },
  {
    key: 'splunkHec',
    file: 'apitrail-splunk-hec.yaml',
    name: 'apitrail audit records in Splunk over HEC, OTel attribute names (collector-config/siem-splunk.yaml)',
    // siem-splunk.yaml's default sourcetype; the index is per tenant (apitrail_<tenant>), so search them.
    conditions: { sourcetype: 'apitrail:security' },
  },
];

/** NDJSON field name → the target's field name, for every field the target has with the same meaning. */
export function fieldMapping(core, target) {
  const pairs = core.FIELD_MAPPINGS.map((mapping) => [mapping.ndjson, attributeField[target.key](mapping)]);
  pairs.push([core.NDJSON_FIELDS.event, eventNameField[target.key]]);
  return Object.fromEntries(pairs.filter(([, field]) => field !== undefined));
}

/** The pipeline as a plain object (pySigma's processing pipeline YAML schema). */
export function pipeline(core, target) {
  const mapping = fieldMapping(core, target);
  const transformations = [
    {
      id: 'apitrail_unknown_field',
      type: 'detection_item_failure',
      message: `The rule uses a field that ${target.file} does not map: write rules with the NDJSON field names of the mapping table in docs/attributes.md.`,
      field_name_conditions: [{ type: 'include_fields', fields: Object.keys(mapping) }],
      field_name_cond_not: true,
      rule_conditions: APITRAIL_RULES,
    },
  ];
  if (Object.keys(target.conditions).length > 0) {
    transformations.push({
      id: 'apitrail_logsource',
      type: 'add_condition',
      conditions: target.conditions,
      rule_conditions: APITRAIL_RULES,
    });
  }
  if (target.index !== undefined) {
    transformations.push({ id: 'apitrail_index', type: 'set_state', key: 'index', val: target.index });
  }
  const renamed = Object.fromEntries(Object.entries(mapping).filter(([from, to]) => from !== to));
  if (Object.keys(renamed).length > 0) {
    transformations.push({
      id: 'apitrail_field_names',
      type: 'field_name_mapping',
      mapping: renamed,
      rule_conditions: APITRAIL_RULES,
    });
  }
  return { name: target.name, priority: 20, transformations };
}

const PLAIN_KEY = /^[A-Za-z_@][\w.@-]*$/;
const scalar = (value) => (typeof value === 'string' ? JSON.stringify(value) : String(value));
const key = (name) => (PLAIN_KEY.test(name) ? name : JSON.stringify(name));

/** Block YAML for the pipeline's shapes: mappings, lists and scalars (double-quoted strings are YAML). */
function toYaml(value, indent = '') {
  if (Array.isArray(value)) {
    return value
      .map((item) => {
        const nested = toYaml(item, `${indent}  `);
        return typeof item === 'object' ? `${indent}- ${nested.trimStart()}` : `${indent}- ${scalar(item)}\n`;
      })
      .join('');
  }
  return Object.entries(value)
    .map(([name, item]) =>
      typeof item === 'object'
        ? `${indent}${key(name)}:\n${toYaml(item, `${indent}  `)}`
        : `${indent}${key(name)}: ${scalar(item)}\n`,
    )
    .join('');
}

/** The pipeline file, laid out as Prettier lays out the repository's YAML. */
export async function renderPipeline(core, target) {
  const prettier = await import('prettier');
  const path = join(sigmaPipelinesDir, target.file);
  const header = `# Generated from @apitrail/core's FIELD_MAPPINGS by node scripts/generate-sigma-pipelines.mjs; do not edit.\n`;
  return prettier.format(header + toYaml(pipeline(core, target)), {
    ...(await prettier.resolveConfig(path)),
    filepath: path,
  });
}

/** The built @apitrail/core (CommonJS). */
export function loadCore() {
  return createRequire(import.meta.url)(join(repoRoot, 'packages', 'core'));
}

/** Rewrites the pipelines; returns the files that changed. */
export async function writePipelines(core = loadCore()) {
  const changed = [];
  for (const target of TARGETS) {
    const path = join(sigmaPipelinesDir, target.file);
    const before = await readFile(path, 'utf8').catch(() => '');
    const after = await renderPipeline(core, target);
    if (after !== before) {
      await writeFile(path, after);
      changed.push(target.file);
    }
  }
  return changed;
}
