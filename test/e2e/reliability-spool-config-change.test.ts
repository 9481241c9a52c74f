// A spool's directory follows the configuration: by default `$XDG_STATE_HOME/apitrail/spool/<service
// name>`, or APITRAIL_SPOOL_DIR; and only OTLP logs are spooled. Records an app spooled under one
// configuration (the collector down when it stopped) wait where the app, restarted under another (a
// renamed service, the NDJSON exporter instead of OTLP), no longer looks: they must not wait there
// silently. The app says so at start, naming the spool and the command that sends them, and
// `apitrail spool status` lists that spool; another program's spool is its own app's business and is
// not named at its start. What this very service left in a spool it no longer uses (the spool moved:
// APITRAIL_SPOOL_DIR, XDG_STATE_HOME) it exports from there.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { freshSpoolDir, startApp } from '../helpers/app.ts';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { decodeLogLines } from '../helpers/otlp-json.ts';
import { startOtlpRecorder } from '../helpers/otlp-recorder.ts';
import { freePort } from '../helpers/ports.ts';
import { waitFor } from '../helpers/wait.ts';

const REQUESTS = 3;

describe('a spool left under an earlier configuration', function () {
  this.timeout(120_000);
  let state: string;
  let deadEndpoint: string;
  let spooled: number;
  const leftSpool = (): string => join(state, 'apitrail', 'spool', 'orders-before');

  /** The app's environment: its spool under `state`, logs to a collector that is down. */
  const envFor = (serviceName: string, extra: Record<string, string | undefined> = {}) => ({
    XDG_STATE_HOME: state,
    APITRAIL_SPOOL_DIR: undefined,
    OTEL_SERVICE_NAME: serviceName,
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_ENDPOINT: deadEndpoint,
    APITRAIL_SHUTDOWN_TIMEOUT_MS: '500',
    APITRAIL_FINGERPRINT_KEY: 'spool-config-change-fixture-fingerprint-key',
    ...extra,
  });

  /** The line an app writes at start about `directory`, once it is there (or undefined after `ms`). */
  async function lineAbout(stderr: () => string, directory: string, ms = 5000): Promise<string | undefined> {
    const find = (): string | undefined =>
      stderr()
        .split('\n')
        .find((line) => line.startsWith('apitrail: ') && line.includes(` wait in the spool ${directory} `));
    return waitFor(`a line about ${directory}`, find, ms).catch(() => undefined);
  }

  before(async () => {
    state = mkdtempSync(join(tmpdir(), 'apitrail-state-'));
    deadEndpoint = `http://127.0.0.1:${await freePort()}`;
    const app = await startApp({ script: 'examples/node-http/server.js', env: envFor('orders-before') });
    for (let index = 0; index < REQUESTS; index += 1) await (await fetch(`${app.baseUrl}/api/v1/scans`)).text();
    await app.stop();
    const summary = /^apitrail: (\d+) records spooled to (.*) \(exported at the next start\), 0 dropped$/m.exec(
      app.stderr(),
    );
    expect(summary, app.stderr()).to.not.equal(null);
    expect(summary![2]).to.equal(leftSpool());
    spooled = Number(summary![1]);
    expect(spooled).to.be.at.least(REQUESTS);
  });

  it('the app renamed (OTEL_SERVICE_NAME) names the spool it left, its records and the command that sends them', async () => {
    const app = await startApp({ script: 'examples/node-http/server.js', env: envFor('orders-after') });
    try {
      // Spooled in its own, new spool (the collector is still down), which `spool status` reads below.
      await (await fetch(`${app.baseUrl}/api/v1/scans`)).text();
      const line = await lineAbout(app.stderr, leftSpool());
      expect(line, app.stderr()).to.not.equal(undefined);
      expect(line).to.match(new RegExp(`^apitrail: ${spooled} records wait in the spool `));
      expect(line).to.include(`apitrail spool replay --dir ${leftSpool()}`);
      expect(
        app
          .stderr()
          .split('\n')
          .filter((text) => text.includes(' wait in the spool ')),
      ).to.have.length(1);
    } finally {
      await app.stop();
    }
  });

  it('the app writing NDJSON instead of OTLP names the spool of its own service, which it no longer exports', async () => {
    const app = await startApp({
      script: 'examples/node-http/server.js',
      env: envFor('orders-before', { OTEL_LOGS_EXPORTER: 'ndjson' }),
    });
    try {
      expect(await lineAbout(app.stderr, leftSpool()), app.stderr()).to.match(
        new RegExp(`^apitrail: ${spooled} records wait in the spool `),
      );
    } finally {
      await app.stop();
    }
  });

  it('another program (another service of this user) does not name it at its start', async () => {
    const app = await startApp({ script: 'examples/express/server.js', env: envFor('billing') });
    try {
      // The program's own line would come within this time (it does above, well within it).
      expect(await lineAbout(app.stderr, leftSpool(), 2000), app.stderr()).to.equal(undefined);
    } finally {
      await app.stop();
    }
  });

  it('apitrail spool status, with the renamed configuration, lists the spool left and its records', async () => {
    const env = { XDG_STATE_HOME: state, OTEL_SERVICE_NAME: 'orders-after' };
    const text = await runApitrail(['spool', 'status'], { env });
    expect(text.code, text.stderr).to.equal(0);
    const line = text.stdout.split('\n').find((row) => row.startsWith(`${leftSpool()}: `));
    expect(line, text.stdout).to.match(
      /^\S+: \d+ segments, (\d+) records left by processes that ended, in another spool/,
    );
    expect(line).to.include(`, ${spooled} records left by processes that ended`);
    expect(line).to.include(`apitrail spool replay --dir ${leftSpool()} sends them`);
    const json = await runApitrail(['spool', 'status', '--json'], { env });
    expect(json.code, json.stderr).to.equal(0);
    const report = JSON.parse(json.stdout) as { elsewhere: { directory: string; records: number }[] };
    expect(report.elsewhere.map(({ directory, records }) => ({ directory, records }))).to.deep.equal([
      { directory: leftSpool(), records: spooled },
    ]);
  });

  // Its spool moved (APITRAIL_SPOOL_DIR set, or XDG_STATE_HOME changed), under the same service name:
  // what this very service left in the default directory is its to export, and it does.
  it('the app with its spool moved (APITRAIL_SPOOL_DIR) exports what it left in the default directory', async () => {
    const left = join(state, 'apitrail', 'spool', 'orders-moved');
    const first = await startApp({ script: 'examples/node-http/server.js', env: envFor('orders-moved') });
    for (let index = 0; index < REQUESTS; index += 1) await (await fetch(`${first.baseUrl}/api/v1/scans`)).text();
    await first.stop();
    const waiting = Number(/^apitrail: (\d+) records spooled to /m.exec(first.stderr())?.[1]);
    expect(waiting, first.stderr()).to.be.at.least(REQUESTS);
    const firstPid = first.process.pid;

    const receiver = await startOtlpRecorder();
    const app = await startApp({
      script: 'examples/node-http/server.js',
      env: envFor('orders-moved', {
        APITRAIL_SPOOL_DIR: freshSpoolDir(),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      }),
    });
    try {
      const fromFirst = () =>
        decodeLogLines(
          receiver.exports
            .filter(({ path }) => path === '/v1/logs')
            .map(({ body }) => body.toString())
            .join('\n'),
        ).filter((record) => record.resource['process.pid'] === firstPid);
      await waitFor('the records the first run left', () => (fromFirst().length >= waiting ? true : undefined), 10000);
      expect(fromFirst()).to.have.length(waiting);
      expect(app.stderr()).to.include(`apitrail: ${waiting} records of this service wait in the spool ${left}`);
      expect(app.stderr()).to.not.include(' wait in the spool ' + left + ' (');
      await waitFor('the spool left to be emptied', () =>
        readdirSync(left).some((name) => name.endsWith('.ndjson')) ? undefined : true,
      );
    } finally {
      await app.stop();
      await receiver.stop();
    }
  });

  it('control: the app under its first configuration replays the spool, and names nothing', async () => {
    const app = await startApp({ script: 'examples/node-http/server.js', env: envFor('orders-before') });
    try {
      expect(await lineAbout(app.stderr, leftSpool(), 2000), app.stderr()).to.equal(undefined);
    } finally {
      await app.stop();
    }
  });
});
