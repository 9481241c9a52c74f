// An HTTP/2 server written on node:http2's core API ('stream' listener, stream.respond(), as
// @grpc/grpc-js's server is) under the register: each stream gets its one audit record (method, path,
// query, the :status the stream sent, the caller's identity by fingerprint, the app's setIdentity()),
// the request's context is active in the 'stream' listener, a 401 gets its automatic security event,
// a stream the client cancelled is 499/aborted, and in block mode a quarantined key is refused with
// 403 problem+json before the listener runs. Control: an app on the compatibility API (which Node
// builds from the same 'stream') still gets exactly one record per request. Real apps
// (test/fixtures/http2-core-app.cjs, http2-app.cjs), node:http2 client, NDJSON.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, constants, type ClientHttp2Session, type OutgoingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { leakForms, newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';
import { auditRecords, waitForAuditRecords } from '../helpers/ndjson-app.ts';
import { waitFor } from '../helpers/wait.ts';

interface Answer {
  readonly headers: Record<string, unknown>;
  readonly body: string;
}

/** Sends one stream on `session` and resolves, once it has closed, with the headers and body it got. */
function send(session: ClientHttp2Session, headers: OutgoingHttpHeaders): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers);
    let received: Record<string, unknown> = {};
    const chunks: Buffer[] = [];
    stream.on('response', (answer) => (received = answer));
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('error', reject);
    stream.on('close', () => resolve({ headers: received, body: Buffer.concat(chunks).toString() }));
    stream.end();
  });
}

/** Opens a stream to `path` the app never answers, waits for the app to have it, and cancels it (RST_STREAM). */
async function cancelled(app: RunningApp, session: ClientHttp2Session, requestId: string): Promise<void> {
  const hanging = session.request({ ':path': '/hang', 'x-request-id': requestId });
  hanging.on('error', () => undefined);
  hanging.end();
  const before = app.jsonLines().filter((line) => line.hanging).length;
  await waitFor('the app to have the stream that hangs', () =>
    app.jsonLines().filter((line) => line.hanging).length > before ? true : undefined,
  );
  hanging.close(constants.NGHTTP2_CANCEL);
}

/** Runs `streams` on one session to `app`, waits for the records of `ids`, and stops the app (flushing it). */
async function exercise(
  app: RunningApp,
  ids: () => readonly string[],
  streams: (session: ClientHttp2Session) => Promise<void>,
): Promise<void> {
  const session = connect(app.baseUrl);
  try {
    await streams(session);
    await waitForAuditRecords(app, ids());
  } finally {
    session.close();
  }
  await app.stop();
}

/** The one audit record of `requestId` (failing unless there is exactly one). */
function theRecord(app: RunningApp, requestId: string): Record<string, unknown> {
  const found = auditRecords(app, requestId);
  expect(found, `records of ${requestId}`).to.have.length(1);
  return found[0]!;
}

const NDJSON = { OTEL_TRACES_EXPORTER: 'none', OTEL_LOGS_EXPORTER: 'ndjson' };

// A caller's W3C trace context, made at test time.
const CALLER_TRACE_ID = randomBytes(16).toString('hex');
const CALLER_SPAN_ID = randomBytes(8).toString('hex');
const CALLER_TRACEPARENT = `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`;

describe('HTTP/2 core API streams, under the register', function () {
  const key = newSecret();
  let app: RunningApp;
  const answers: Record<string, Answer> = {};
  // Concurrent streams on one session, as HTTP/2 clients send them.
  const sent: [string, OutgoingHttpHeaders][] = [
    ['core-key', { ':path': '/api/v1/scans?provider=aws', 'x-api-key': key }],
    ['core-identity', { ':path': '/identity' }],
    ['core-denied', { ':path': '/status/401', authorization: `Bearer ${newSecret()}` }],
    ['core-post', { ':path': '/api/v1/scans', ':method': 'POST' }],
    ['core-trailers', { ':path': '/trailers' }],
    ['core-file', { ':path': '/file' }],
  ];
  const record = (requestId: string) => theRecord(app, requestId);

  before(async function () {
    app = await startApp({ script: 'test/fixtures/http2-core-app.cjs', env: NDJSON });
    await exercise(
      app,
      () => [...sent.map(([id]) => id), 'core-cancelled'],
      async (session) => {
        await Promise.all(
          sent.map(async ([requestId, headers]) => {
            answers[requestId] = await send(session, { 'x-request-id': requestId, ...headers });
          }),
        );
        await cancelled(app, session, 'core-cancelled');
      },
    );
  });

  after(async () => {
    await app?.stop();
  });

  it('records each stream once, by fingerprint, with its method, path, query, the :status it sent, its duration', () => {
    const keyed = record('core-key');
    expect(keyed.api_key_fingerprint).to.match(/^[0-9a-f]{24}$/);
    expect([keyed.method, keyed.path, keyed.query_params, keyed.status_code]).to.deep.equal([
      'GET',
      '/api/v1/scans',
      { provider: 'aws' },
      200,
    ]);
    expect([keyed.authentication_method, keyed.is_api_key_request, keyed.source_ip]).to.deep.equal([
      'api_key',
      true,
      '127.0.0.1',
    ]);
    expect(keyed.duration).to.be.a('number');
    expect(keyed).to.not.have.property('aborted');
    expect(record('core-post')).to.include({ method: 'POST', status_code: 200 });
    expect(record('core-trailers')).to.include({ status_code: 200 });
    expect(record('core-file')).to.include({ status_code: 200 });
  });

  it('echoes the correlation id and has the request context active in the stream listener', () => {
    expect(answers['core-key']!.headers['x-request-id']).to.equal('core-key');
    // respondWithFile's headers too (a unit test covers respond()'s header forms in process; a heap
    // snapshot after respondWithFile crashes Node 24, so it is exercised here, in the app's process).
    expect(answers['core-file']!.headers['x-request-id']).to.equal('core-file');
    expect(answers['core-file']!.body).to.include('http2-core-app');
    const handled = app.jsonLines().filter((line) => typeof line.handled === 'string');
    expect(handled.map((line) => line.handled)).to.include.members(['core-key', 'core-denied', 'core-cancelled']);
    for (const line of handled) expect(line.correlation, String(line.handled)).to.equal(line.handled);
  });

  it('puts the identity the app set after an await on the record', () => {
    expect(record('core-identity')).to.include({ api_key_id: 'key-h2c', tenant_id: 'tenant-h2c' });
  });

  it('records a 401 with authn_login_fail', () => {
    expect(record('core-denied')).to.include({ status_code: 401, level: 'WARN' });
    const lines = app.jsonLines().filter((line) => line.request_id === 'core-denied');
    expect(lines.map((line) => line.event).sort()).to.deep.equal(['apitrail.api_request', 'authn_login_fail']);
  });

  it('records a stream the client cancelled (RST_STREAM) before an answer as 499, aborted', () => {
    expect(record('core-cancelled')).to.include({ status_code: 499, aborted: true });
  });

  it('prints no key, in any encoding', () => {
    const output = app.stdout() + app.stderr();
    for (const form of leakForms(key)) expect(output.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
  });
});

describe('a core API stream whose listener ends the process, under the register', function () {
  /** Starts the app writing NDJSON to a file, sends one stream to `path`, and returns the file's lines once it exited. */
  async function endedBy(
    path: string,
  ): Promise<{ lines: Record<string, unknown>[]; stderr: string; code: number | null }> {
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-h2-exit-')), 'audit.ndjson');
    const app = await startApp({
      script: 'test/fixtures/http2-core-app.cjs',
      env: { ...NDJSON, APITRAIL_NDJSON_FILE: file },
    });
    const session = connect(app.baseUrl);
    session.on('error', () => undefined);
    const stream = session.request({ ':path': path, 'x-request-id': `ends-${path.slice(1)}` });
    stream.on('error', () => undefined);
    stream.resume();
    stream.end();
    const { code } = await new Promise<{ code: number | null }>((resolve) =>
      app.process.once('exit', (exitCode) => resolve({ code: exitCode })),
    );
    session.destroy();
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { lines, stderr: app.stderr(), code };
  }

  it('records a stream answered right before process.exit() with its status', async () => {
    const { lines, code } = await endedBy('/exit');
    expect(code).to.equal(0);
    const records = lines.filter((line) => line.event === 'apitrail.api_request');
    expect(records).to.have.length(1);
    expect(records[0]).to.include({ request_id: 'ends-exit', status_code: 200, path: '/exit' });
  });

  it('records a stream whose listener threw, with the unhandled exception as its security event', async () => {
    const { lines, stderr, code } = await endedBy('/throw');
    expect(code).to.equal(1);
    expect(stderr).to.include('Error: http2-core-app: thrown in the stream listener');
    const mine = lines.filter((line) => line.request_id === 'ends-throw');
    expect(mine.filter((line) => line.event === 'apitrail.api_request')).to.have.length(1);
    expect(mine.find((line) => line.event === 'apitrail.server_error')).to.include({
      event_reason: 'unhandled_exception',
    });
  });
});

describe('control: an HTTP/2 app on the compatibility API still gets one record per request', function () {
  let app: RunningApp;
  const ids = ['compat-1', 'compat-2', 'compat-3', 'compat-denied'];

  before(async function () {
    app = await startApp({ script: 'test/fixtures/http2-app.cjs', env: NDJSON });
    await exercise(
      app,
      () => [...ids, 'compat-connect', 'compat-cancelled'],
      async (session) => {
        await Promise.all(
          ids.map((id) =>
            send(session, { ':path': id === 'compat-denied' ? '/status/401' : `/api/${id}`, 'x-request-id': id }),
          ),
        );
        // No 'connect' listener: the compatibility API answers a CONNECT 405 itself.
        await send(session, { ':method': 'CONNECT', ':authority': 'proxy.test:443', 'x-request-id': 'compat-connect' });
        await cancelled(app, session, 'compat-cancelled');
      },
    );
  });

  after(async () => {
    await app?.stop();
  });

  it('records each request exactly once, with the status the app answered', () => {
    for (const id of ids) theRecord(app, id);
    expect(theRecord(app, 'compat-1')).to.include({ path: '/api/compat-1', status_code: 200 });
    const denied = app.jsonLines().filter((line) => line.request_id === 'compat-denied');
    expect(denied.map((line) => line.event).sort()).to.deep.equal(['apitrail.api_request', 'authn_login_fail']);
    expect(theRecord(app, 'compat-cancelled')).to.include({ status_code: 499, aborted: true });
    const all = app.jsonLines().filter((line) => line.event === 'apitrail.api_request');
    expect(all, 'no record without its request').to.have.length(ids.length + 2);
  });

  it('records a CONNECT the compatibility API answered itself (no connect listener) with its 405', () => {
    expect(theRecord(app, 'compat-connect')).to.include({ method: 'CONNECT', status_code: 405 });
    expect(theRecord(app, 'compat-connect')).to.not.have.property('aborted');
  });
});

for (const [api, script] of [
  ['core API', 'test/fixtures/http2-core-app.cjs'],
  ['compatibility API', 'test/fixtures/http2-app.cjs'],
] as const) {
  describe(`a quarantined key on an HTTP/2 ${api} stream (APITRAIL_RESPONSE=block), under the register`, function () {
    const quarantined = newKey('key-h2-quarantined', 'Quarantined', 'tenant-q');
    const allowed = newKey('key-h2-allowed', 'Allowed', 'tenant-q');
    let app: RunningApp;
    const answers: Record<string, Answer> = {};

    before(async function () {
      const file = join(mkdtempSync(join(tmpdir(), 'apitrail-quarantine-')), 'quarantine.json');
      const add = await runApitrail(['quarantine', 'add', quarantined.id, '--file', file, '--seconds', '600']);
      expect(add.code, add.stderr).to.equal(0);
      const keysFile = writeKeysFile([quarantined, allowed]);
      app = await startApp({
        script,
        env: {
          ...NDJSON,
          APITRAIL_API_KEYS_FILE: keysFile,
          APITRAIL_RESPONSE: 'block',
          APITRAIL_QUARANTINE_FILE: file,
        },
      });
      await exercise(
        app,
        () => ['h2-quarantined', 'h2-quarantined-traced', 'h2-allowed'],
        async (session) => {
          for (const [id, secret, traced] of [
            ['h2-quarantined', quarantined.secret, {}],
            ['h2-quarantined-traced', quarantined.secret, { traceparent: CALLER_TRACEPARENT }],
            ['h2-allowed', allowed.secret, {}],
          ] as const) {
            const headers = { ':path': '/api/v1/scans', 'x-request-id': id, 'x-api-key': secret, ...traced };
            answers[id] = await send(session, headers);
          }
        },
      );
    });

    after(async () => {
      await app?.stop();
    });

    it('refuses the stream with 403 problem+json before the app, and records the block once', () => {
      const refused = answers['h2-quarantined']!;
      expect(refused.headers).to.include({ ':status': 403, 'content-type': 'application/problem+json' });
      expect(refused.headers['x-request-id']).to.equal('h2-quarantined');
      expect(JSON.parse(refused.body)).to.include({ status: 403 });
      expect(
        app.jsonLines().some((line) => line.handled === 'h2-quarantined'),
        'the app never saw it',
      ).to.equal(false);
      expect(theRecord(app, 'h2-quarantined')).to.include({ status_code: 403, api_key_id: quarantined.id });
      const blocks = app.jsonLines().filter((line) => line.event === 'apitrail.quarantine_block');
      expect(blocks.map((line) => line.request_id)).to.deep.equal(['h2-quarantined', 'h2-quarantined-traced']);
    });

    it('puts the block event and the audit record of one request in one trace: a new one, or the caller’s', () => {
      for (const id of ['h2-quarantined', 'h2-quarantined-traced']) {
        const lines = app.jsonLines().filter((line) => line.request_id === id);
        expect(lines.map((line) => line.event).sort(), id).to.deep.equal([
          'apitrail.api_request',
          'apitrail.quarantine_block',
          'authz_fail',
        ]);
        const traces = new Set(lines.map((line) => line.trace_id));
        expect([...traces], id).to.have.length(1);
        expect(lines[0]!.trace_id, id).to.match(/^[0-9a-f]{32}$/);
      }
      const traced = app.jsonLines().filter((line) => line.request_id === 'h2-quarantined-traced');
      for (const line of traced) {
        expect([line.trace_id, line.span_id], String(line.event)).to.deep.equal([CALLER_TRACE_ID, CALLER_SPAN_ID]);
      }
      const fresh = theRecord(app, 'h2-quarantined');
      expect(fresh.trace_id, 'a trace of its own').to.not.equal(CALLER_TRACE_ID);
    });

    it('lets another key’s stream through to the app (200)', () => {
      expect(answers['h2-allowed']!.headers[':status']).to.equal(200);
      expect(theRecord(app, 'h2-allowed')).to.include({ api_key_id: allowed.id, status_code: 200 });
    });
  });
}
