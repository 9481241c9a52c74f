// packages/core/src/config-variables.ts is the one list of configuration variables: every
// `APITRAIL_*` / `OTEL_*` name spelled in a package's source must be in it, every `APITRAIL_*`
// name the collector configurations read must be among the collector's, and an unknown
// `APITRAIL_*` variable is named at startup with the closest known one.
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTOR_VARIABLES, CONFIG_VARIABLES, unknownApitrailVariables } from '@apitrail/core/internal';
import { configurationTable } from '../../scripts/lib/generated-docs.mjs';
import { repoRoot, startApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/wait.ts';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') || entry.name.endsWith('.mts') ? [path] : [];
  });
}

const packagesDir = join(repoRoot, 'packages');
const namesRead = new Set(
  readdirSync(packagesDir)
    .flatMap((name) => sourceFiles(join(packagesDir, name, 'src')))
    .filter((file) => !file.endsWith('config-variables.ts'))
    .flatMap((file) => [...readFileSync(file, 'utf8').matchAll(/'((?:APITRAIL|OTEL)_[A-Z0-9_]+)'/g)].map((m) => m[1]!)),
);
const listed = CONFIG_VARIABLES.flatMap((row) => row.names);

/** Listed as itself, or, for a prefix the code completes (`OTEL_BLRP` + `_MAX_QUEUE_SIZE`), by its completions. */
function isListed(name: string): boolean {
  return listed.includes(name) || listed.some((known) => known.startsWith(`${name}_`));
}

describe('configuration variables (packages/core/src/config-variables.ts)', () => {
  it('finds the variables the packages read', () => {
    expect(namesRead).to.include('APITRAIL_NDJSON_FILE').and.to.include('OTEL_LOGS_EXPORTER');
  });

  for (const name of [...namesRead].sort()) {
    it(`lists ${name}`, () => {
      expect(isListed(name), `${name} is read by a package but missing from config-variables.ts`).to.equal(true);
    });
  }

  it('lists every APITRAIL_* variable the collector configurations read', () => {
    const configDir = join(repoRoot, 'collector-config');
    const read = readdirSync(configDir)
      .filter((file) => file.endsWith('.yaml'))
      .flatMap((file) => [...readFileSync(join(configDir, file), 'utf8').matchAll(/env:(APITRAIL_[A-Z0-9_]+)/g)])
      .map((match) => match[1]!);
    expect(read).to.include('APITRAIL_GATEWAY_ENDPOINT');
    expect(COLLECTOR_VARIABLES).to.include.members([...new Set(read)]);
  });

  it('names no variable twice, and every row is one line', () => {
    const all = [...listed, ...COLLECTOR_VARIABLES];
    expect(new Set(all).size).to.equal(all.length);
    for (const row of CONFIG_VARIABLES) expect(`${row.defaultValue}${row.description}`).not.to.match(/[\n|]/);
  });

  it('renders one docs/configuration.md row per entry', () => {
    const table = configurationTable();
    for (const name of listed) expect(table).to.include(`\`${name}\``);
  });

  describe('unknown APITRAIL_* variables', () => {
    it('are named with the closest known variable; known, collector-side and non-apitrail ones are not', () => {
      const unknown = unknownApitrailVariables({
        APITRAIL_SHUTDOWN_TIMOUT_MS: '1',
        APITRAIL_NDJSON_FILES: 'x',
        APITRAIL_SHUTDOWN_TIMEOUT_MS: '1',
        APITRAIL_GATEWAY_ENDPOINT: 'x',
        OTEL_SOMETHING_NEW: 'x',
        PATH: '/bin',
      });
      expect(unknown).to.deep.equal([
        { name: 'APITRAIL_NDJSON_FILES', closest: 'APITRAIL_NDJSON_FILE' },
        { name: 'APITRAIL_SHUTDOWN_TIMOUT_MS', closest: 'APITRAIL_SHUTDOWN_TIMEOUT_MS' },
      ]);
    });

    it('are warned about on stderr by the register, once each, and the app still runs', async () => {
      const app = await startApp({
        script: 'test/fixtures/shutdown-app.cjs',
        env: {
          SHUTDOWN_FIXTURE_MODE: 'listens',
          OTEL_LOGS_EXPORTER: 'ndjson',
          OTEL_TRACES_EXPORTER: 'none',
          APITRAIL_DROP_REPORT_INTERVAL: '5',
        },
      });
      try {
        const stderr = await waitFor('the warning', () =>
          app.stderr().includes('unknown variable') ? app.stderr() : undefined,
        );
        expect((await fetch(`${app.baseUrl}/`)).status).to.equal(200);
        expect(stderr).to.include(
          'apitrail: unknown variable APITRAIL_DROP_REPORT_INTERVAL is ignored; did you mean APITRAIL_DROP_REPORT_INTERVAL_MS?',
        );
        expect(stderr.match(/unknown variable/g)).to.have.length(1);
      } finally {
        await app.stop();
      }
    });
  });
});
