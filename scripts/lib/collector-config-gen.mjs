// The parts of collector-config/*.yaml that are derived from @apitrail/core's semconv: which records
// are security events, and the attribute → ECS field renames. Generated, never hand-copied, so a new
// event name or mapping in semconv.ts reaches the Collector pipelines (a unit test fails when stale).
import { createRequire } from 'node:module';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const collectorConfigDir = join(repoRoot, 'collector-config');

/** ECS `event.category` values that make a record a security event whatever its EventName. */
const SECURITY_CATEGORIES = ['authentication', 'iam', 'intrusion_detection', 'session'];

const ottlString = (value) => JSON.stringify(value);
/** A YAML single-quoted scalar (the style Prettier keeps for strings holding double quotes). */
const yamlString = (value) => `'${value.replaceAll("'", "''")}'`;
const attribute = (name) => `log.attributes[${ottlString(name)}]`;

/** One OTTL condition (log context) that is true for security events. */
export function securityEventCondition(core) {
  const names = [...Object.values(core.OWASP_EVENTS), ...Object.values(core.APITRAIL_EVENTS)];
  const byName = names.map((name) => `log.event_name == ${ottlString(name)}`);
  const byCategory = SECURITY_CATEGORIES.map(
    (category) => `${attribute(core.ATTR_EVENT_CATEGORY)} == ${ottlString(category)}`,
  );
  return [...byName, ...byCategory].join(' or ');
}

/** transform statements (log context) renaming apitrail's OTel attributes to their ECS fields. */
export function ecsStatements(core) {
  return core.FIELD_MAPPINGS.filter((mapping) => mapping.attribute !== mapping.ecs).flatMap((mapping) => {
    const from = attribute(mapping.attribute);
    // ECS event.duration is an integer count of nanoseconds; apitrail records float seconds.
    const value = mapping.unit === 'seconds' ? `Int(${from} * 1000000000)` : from;
    return [
      `set(${attribute(mapping.ecs)}, ${value}) where ${from} != nil`,
      `delete_key(log.attributes, ${ottlString(mapping.attribute)})`,
    ];
  });
}

/** The generated blocks: name → YAML lines (without their indentation). */
export function generatedBlocks(core) {
  return {
    'security-event-condition': [`condition: ${yamlString(securityEventCondition(core))}`],
    'ecs-statements': ecsStatements(core).map((statement) => `- ${yamlString(statement)}`),
  };
}

const BLOCK = /^([ \t]*)# BEGIN GENERATED ([a-z-]+)[^\n]*\n[\s\S]*?^[ \t]*# END GENERATED \2\n/gm;

/** `text` with every `# BEGIN GENERATED <name>` … `# END GENERATED <name>` block re-rendered. */
export function renderGenerated(text, blocks) {
  return text.replace(BLOCK, (_whole, indent, name) => {
    const lines = blocks[name];
    if (lines === undefined) throw new Error(`unknown generated block "${name}"`);
    const body = lines.map((line) => `${indent}${line}\n`).join('');
    return `${indent}# BEGIN GENERATED ${name} (node scripts/generate-collector-config.mjs)\n${body}${indent}# END GENERATED ${name}\n`;
  });
}

/** The built @apitrail/core (CommonJS). */
export function loadCore() {
  return createRequire(import.meta.url)(join(repoRoot, 'packages', 'core'));
}

export const GENERATED_FILES = ['gateway.yaml', 'siem-elasticsearch.yaml'];

/** Rewrites the generated blocks in place; returns the files that changed. */
export async function writeGenerated(core = loadCore()) {
  const blocks = generatedBlocks(core);
  const changed = [];
  for (const file of GENERATED_FILES) {
    const path = join(collectorConfigDir, file);
    const before = await readFile(path, 'utf8');
    const after = renderGenerated(before, blocks);
    if (after !== before) {
      await writeFile(path, after);
      changed.push(file);
    }
  }
  return changed;
}
