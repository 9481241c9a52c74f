// A batch the receiver refuses for good (HTTP 400: a record it cannot accept) must not stop the
// audit trail: after a few refusals it is set aside in the spool's refused/ directory (kept, never
// deleted), reported once on stderr with the receiver's answer, and the records after it are
// delivered. `apitrail spool status` shows it, and `apitrail spool replay --refused` sends it again
// once the receiver takes it. An auth refusal (401) is about every batch: it stays retried, nothing
// is set aside. Against a real app under the register and a real local HTTP receiver.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { expect } from 'chai';
import { freshSpoolDir, startApp, type RunningApp } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { waitFor } from '../helpers/wait.ts';

interface Receiver {
  readonly endpoint: string;
  /** Bodies of the log exports it accepted (OTLP/JSON). */
  readonly accepted: string[];
  /** The status it answers an export holding `marker` with; 200 takes it. */
  refuseWith: number;
  stop(): Promise<void>;
}

/** An OTLP/HTTP receiver that refuses every export holding `marker` with `refuseWith`, and takes the rest. */
async function startReceiver(marker: string, refuseWith: number): Promise<Receiver> {
  const accepted: string[] = [];
  const receiver = { accepted, refuseWith } as Receiver & { refuseWith: number };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (body.includes(marker) && receiver.refuseWith !== 200) {
        response.writeHead(receiver.refuseWith, { 'content-type': 'text/plain' }).end('a record it cannot accept');
        return;
      }
      if (request.url === '/v1/logs') accepted.push(body);
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return Object.assign(receiver, {
    endpoint: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

const appEnv = (receiver: Receiver, spoolDir: string): Record<string, string> => ({
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  APITRAIL_SPOOL_DIR: spoolDir,
  APITRAIL_SHUTDOWN_TIMEOUT_MS: '1000',
  CRASH_FIXTURE_MODE: 'listens',
});

async function get(app: RunningApp, path: string): Promise<void> {
  const response = await fetch(`${app.baseUrl}${path}`);
  expect(response.status).to.equal(200);
  await response.text();
}

/** The poison request alone in its batch, then `good` requests after it. */
async function poisonThenGood(app: RunningApp, marker: string, good: readonly string[]): Promise<void> {
  await get(app, `/api/items/${marker}`);
  // Past the hand-over interval: the records after it are in batches of their own.
  await delay(500);
  for (const id of good) await get(app, `/api/items/${id}`);
}

const delivered = (receiver: Receiver, id: string): boolean => receiver.accepted.some((body) => body.includes(id));

describe('a batch the receiver refuses for good', function () {
  this.timeout(120_000);

  it('is set aside after a few refusals, reported with the status, and the records after it are delivered; replay --refused sends it once the receiver takes it', async () => {
    const marker = `poison-${randomBytes(6).toString('hex')}`;
    const good = Array.from({ length: 5 }, (_, index) => `good-${randomBytes(4).toString('hex')}-${index}`);
    const receiver = await startReceiver(marker, 400);
    const spoolDir = freshSpoolDir();
    try {
      const app = await startApp({ script: 'test/fixtures/crash-app.cjs', env: appEnv(receiver, spoolDir) });
      await poisonThenGood(app, marker, good);
      // Three refusals, the export backoff between them (0.5 s, 1 s, 2 s), then the rest goes.
      await waitFor(
        'the records after the refused one to be delivered',
        () => good.every((id) => delivered(receiver, id)) || undefined,
        20_000,
      );
      const exit = await app.stop();
      expect(exit).to.deep.equal({ code: null, signal: 'SIGTERM' });
      expect(delivered(receiver, marker)).to.equal(false);
      const setAside = app
        .stderr()
        .split('\n')
        .filter((line) => line.includes('HTTP 400 Bad Request: a record it cannot accept'));
      expect(setAside, app.stderr()).to.have.length(1);
      expect(setAside[0]).to.include(join(spoolDir, 'refused'));

      const files = readdirSync(join(spoolDir, 'refused'));
      expect(files).to.have.length(1);
      const status = await runApitrail(['spool', 'status', '--json', '--dir', spoolDir]);
      const report = JSON.parse(status.stdout) as { segments: unknown[]; refused: { name: string; records: number }[] };
      expect(report.refused.map(({ name, records }) => ({ name, records }))).to.deep.equal([
        { name: files[0], records: 1 },
      ]);
      const table = await runApitrail(['spool', 'status', '--dir', spoolDir]);
      expect(table.stdout)
        .to.include(`refused/${files[0]}`)
        .and.include('1 records refused by the receiver set aside in 1 files');

      const replayEnv = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
      // Without --refused, a replay leaves it aside.
      const plain = await runApitrail(['spool', 'replay', '--dir', spoolDir], { env: replayEnv });
      expect(plain.code, plain.stderr).to.equal(0);
      expect(readdirSync(join(spoolDir, 'refused'))).to.have.length(1);
      // The receiver fixed: delivered, and gone from refused/.
      receiver.refuseWith = 200;
      const fixed = await runApitrail(['spool', 'replay', '--refused', '--dir', spoolDir], { env: replayEnv });
      expect(fixed.code, fixed.stderr).to.equal(0);
      expect(fixed.stdout).to.include('1 records exported, 0 remain');
      expect(delivered(receiver, marker)).to.equal(true);
      expect(readdirSync(join(spoolDir, 'refused'))).to.deep.equal([]);
    } finally {
      await receiver.stop();
    }
  });

  it('a receiver refusing every batch with 400 does not fill the disk: refused/ stays under APITRAIL_SPOOL_MAX_BYTES, what does not fit waits in the spool, said once', async () => {
    // Every export holds "logRecords": the receiver refuses them all, as one misconfigured would.
    const receiver = await startReceiver('logRecords', 400);
    const spoolDir = freshSpoolDir();
    const maxBytes = 65_536;
    try {
      const app = await startApp({
        script: 'test/fixtures/crash-app.cjs',
        env: { ...appEnv(receiver, spoolDir), APITRAIL_SPOOL_MAX_BYTES: String(maxBytes) },
      });
      // More than the cap in records, fast enough to go in one batch.
      await Promise.all(
        Array.from({ length: 200 }, (_, index) => get(app, `/api/items/bulk-${index}-${'x'.repeat(200)}`)),
      );
      await delay(6_000);
      await app.stop();
      const refused = join(spoolDir, 'refused');
      const bytes = existsSync(refused)
        ? readdirSync(refused).reduce((sum, name) => sum + statSync(join(refused, name)).size, 0)
        : 0;
      expect(bytes, app.stderr()).to.be.at.most(maxBytes);
      const full = app
        .stderr()
        .split('\n')
        .filter((line) => line.includes('no room in refused/'));
      expect(full, app.stderr()).to.have.length(1);
    } finally {
      await receiver.stop();
    }
  });

  // A receiver that takes requests up to a size refuses a larger one with 413, without saying which
  // record made it too large: the batch is split in halves, retried, until every record that fits
  // alone is delivered; only the record too large on its own is set aside.
  it('a batch refused as too large (413) is split: the records sent with the one too large alone are delivered, only that one is set aside', async () => {
    const limit = 6_000;
    const accepted: string[] = [];
    const refused: string[] = [];
    const server: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        if (body.length > limit) {
          refused.push(body);
          response.writeHead(413, { 'content-type': 'text/plain' }).end('request entity too large');
          return;
        }
        if (request.url === '/v1/logs') accepted.push(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const marker = `huge-${randomBytes(6).toString('hex')}`;
    const good = Array.from({ length: 12 }, (_, index) => `fits-${randomBytes(4).toString('hex')}-${index}`);
    const spoolDir = freshSpoolDir();
    let app: RunningApp | undefined;
    try {
      const running = await startApp({
        script: 'test/fixtures/crash-app.cjs',
        env: { ...appEnv({ endpoint } as Receiver, spoolDir) },
      });
      app = running;
      // At once: one batch holds them all, the record too large alone among them.
      await Promise.all([
        get(running, `/api/items/${marker}-${'x'.repeat(2 * limit)}`),
        ...good.map((id) => get(running, `/api/items/${id}`)),
      ]);
      const isIn = (id: string): boolean => accepted.some((body) => body.includes(id));
      await waitFor('every record that fits to be delivered', () => good.every(isIn) || undefined, 30_000);
      await waitFor(
        'the record too large to be set aside',
        () => (existsSync(join(spoolDir, 'refused')) && readdirSync(join(spoolDir, 'refused')).length > 0) || undefined,
        20_000,
      );
      await running.stop();
      expect(isIn(marker)).to.equal(false);
      // Without the split the records that fit went aside with it: they were in one request with it.
      expect(
        refused.some((body) => body.includes(marker) && good.some((id) => body.includes(id))),
        'the record too large and records that fit, refused in one request',
      ).to.equal(true);
      const status = await runApitrail(['spool', 'status', '--json', '--dir', spoolDir]);
      const report = JSON.parse(status.stdout) as { refused: { records: number }[] };
      expect(
        report.refused.map(({ records }) => records),
        running.stderr(),
      ).to.deep.equal([1]);
      const lines = running.stderr().split('\n');
      expect(
        lines.filter((line) => line.includes('as too large (HTTP 413)')),
        running.stderr(),
      ).to.have.length(1);
      const setAside = lines.filter(
        (line) => line.includes('HTTP 413 Payload Too Large') && line.includes('set aside'),
      );
      expect(setAside, running.stderr()).to.have.length(1);
      expect(setAside[0]).to.include('refused 1 records for good');
      // Nothing waits, nothing lost: no exit summary.
      expect(running.stderr()).to.not.match(/^apitrail: \d+ records spooled/m);
    } finally {
      // Stopped on a failure too: a process left running holds the test run open.
      await app?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('control: an auth refusal (401) is retried, nothing set aside, and the records after it wait', async () => {
    const marker = `refused-${randomBytes(6).toString('hex')}`;
    const good = [`after-${randomBytes(4).toString('hex')}`];
    const receiver = await startReceiver(marker, 401);
    const spoolDir = freshSpoolDir();
    try {
      const app = await startApp({ script: 'test/fixtures/crash-app.cjs', env: appEnv(receiver, spoolDir) });
      await poisonThenGood(app, marker, good);
      // Long enough for the three refusals that set a 400 aside.
      await delay(6_000);
      await app.stop();
      expect(good.some((id) => delivered(receiver, id))).to.equal(false);
      expect(existsSync(join(spoolDir, 'refused'))).to.equal(false);
      expect(app.stderr()).to.not.include('set aside');
      expect(app.stderr()).to.match(/^apitrail: \d+ records spooled to .*, 0 dropped$/m);
    } finally {
      await receiver.stop();
    }
  });
});
