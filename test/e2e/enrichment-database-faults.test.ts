// A broken enrichment database (APITRAIL_GEOIP_DB), under the register: a file cut short (a copy
// interrupted, a full disk), an empty file or a directory stops the start with exit 78 and one line
// naming the variable, the file and the cause; a file damaged inside its data (it opens, lookups
// fail) leaves the app serving, with the enrichment failure reported once. The files are copies of
// the embedded AS database, damaged at test time.
import { expect } from 'chai';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { repoRoot, runToEnd, startApp } from '../helpers/app.ts';
import { waitFor } from '../helpers/wait.ts';

const EX_CONFIG = 78;
const embedded = resolve(repoRoot, 'packages/enrich/data/asn.mmdb');

describe('enrichment database faults, under the register', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-geoip-faults-'));
  const whole = readFileSync(embedded);
  const files = {
    half: join(dir, 'half.mmdb'),
    tail: join(dir, 'tail.mmdb'),
    empty: join(dir, 'zero.mmdb'),
    damaged: join(dir, 'damaged.mmdb'),
  };
  before(() => {
    writeFileSync(files.half, whole.subarray(0, whole.length >> 1));
    writeFileSync(files.tail, whole.subarray(0, whole.length - 200));
    writeFileSync(files.empty, '');
    // The data section (after the search tree, before the metadata) overwritten with 0xff bytes.
    const damaged = Buffer.from(whole);
    damaged.fill(0xff, whole.length - 4_000_000, whole.length - 100_000);
    writeFileSync(files.damaged, damaged);
  });

  for (const [name, file, cause] of [
    ['cut in half', () => files.half, /truncated/],
    ['missing its last 200 bytes', () => files.tail, /truncated/],
    ['empty', () => files.empty, /empty/],
    ['a directory', () => dir, /EISDIR/],
  ] as const) {
    it(`refuses a database ${name}, naming the variable, the file and the cause`, async () => {
      const run = await runToEnd(
        ['--require', '@apitrail/auto/register', resolve(repoRoot, 'examples/node-http/server.js')],
        {
          PORT: '0',
          OTEL_METRICS_EXPORTER: undefined,
          APITRAIL_GEOIP_DB: file(),
        },
      );
      expect(run.code, run.stderr).to.equal(EX_CONFIG);
      const lines = run.stderr.trim().split('\n');
      expect(lines, run.stderr).to.have.length(1);
      expect(lines[0]).to.include('APITRAIL_GEOIP_DB').and.include(file());
      expect(lines[0]).to.match(cause);
    });
  }

  it('keeps serving with a database damaged inside, and reports the failure once', async () => {
    const app = await startApp({
      script: 'examples/node-http/server.js',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_GEOIP_DB: files.damaged,
        APITRAIL_TRUSTED_PROXIES: '127.0.0.1/32',
      },
    });
    try {
      for (let n = 0; n < 50; n++) {
        const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
          headers: { 'x-request-id': `damaged-${n}`, 'x-forwarded-for': `${1 + n}.${n}.${n}.${n}` },
        });
        expect(response.status).to.equal(200);
        await response.arrayBuffer();
      }
      await waitFor('the audit records', () =>
        app.jsonLines().filter((line) => line.event === 'apitrail.api_request').length >= 50 ? true : undefined,
      );
      expect(app.stderr().match(/source enrichment failed/g) ?? []).to.have.length.at.most(1);
    } finally {
      await app.stop();
    }
  });
});
