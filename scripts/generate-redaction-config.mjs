// Writes collector-config/redaction.yaml (the Collector's `redaction` processor) from
// @apitrail/redaction's default rule set, so the Collector's copy of the rules never drifts.
// Run through `npm run generate:redaction` (builds the package first).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_RULES, collectorRedactionConfig } from '@apitrail/redaction/internal';

const target = resolve(import.meta.dirname, '..', 'collector-config', 'redaction.yaml');
writeFileSync(target, collectorRedactionConfig(DEFAULT_RULES));
process.stdout.write(`wrote ${target}\n`);
