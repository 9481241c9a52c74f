// Regenerates the semconv-derived blocks of collector-config/*.yaml (security-event routing
// condition, ECS field renames) from the built @apitrail/core. Run after changing semconv.ts and
// `npx tsc -b packages/core`.
import { writeGenerated } from './lib/collector-config-gen.mjs';

const changed = await writeGenerated();
process.stdout.write(changed.length === 0 ? 'collector-config: up to date\n' : `updated: ${changed.join(', ')}\n`);
