// Requests carrying `Expect: 100-continue` (or another expectation) to a node:http server with a
// checkContinue (checkExpectation) listener: Node emits that event instead of 'request', and the
// listener answers (100 Continue then the response, a 417, or the request passed on with
// server.emit('request', req, res)). Each must get exactly one audit record with the status it got,
// the caller's identity by fingerprint, the request's context in the listener, and the quarantine
// gate before it. Control: a server without those listeners (Node answers 100 Continue and emits
// 'request' itself) still gets exactly one record. Requests Node answers itself with no event (an
// expectation other than 100-continue to a server without a checkExpectation listener: 417; no Host:
// 400) get one record each, the client seeing exactly what bare Node sends. Real app under the register
// (test/fixtures/expect-continue-app.cjs), node:http client waiting for 100 Continue, NDJSON.
import { expect } from 'chai';
import { request as httpRequest, type OutgoingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { quarantineFileWith } from '../helpers/apitrail-cli.ts';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { leakForms, newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';
import { auditRecords, otherEvents, startNdjsonApp, waitForAuditRecords } from '../helpers/ndjson-app.ts';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, unknown>;
  readonly body: string;
  /** The server answered 100 Continue, and the body was sent. */
  readonly continued: boolean;
}

const BODY = JSON.stringify({ scan: 'aws', regions: ['eu-west-1', 'us-east-1'] });

/**
 * POSTs BODY to `path` with `Expect: 100-continue` unless `headers` say otherwise (node:http holds the body back until the server
 * answers 100 Continue) and resolves with the final response; a final response without 100 Continue
 * leaves the body unsent, and the connection is dropped once it is read.
 */
function post(app: RunningApp, path: string, requestId: string, headers: OutgoingHttpHeaders = {}): Promise<Answer> {
  const { port } = new URL(app.baseUrl);
  // `expect: undefined` sends a plain request.
  const sent: OutgoingHttpHeaders = Object.fromEntries(
    Object.entries({
      expect: '100-continue',
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(BODY),
      'x-request-id': requestId,
      ...headers,
    }).filter(([, value]) => value !== undefined),
  );
  return new Promise((resolve, reject) => {
    let continued = false;
    const request = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: sent });
    request.on('continue', () => {
      continued = true;
      request.end(BODY);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        resolve({
          status: response.statusCode!,
          headers: response.headers,
          body: Buffer.concat(chunks).toString(),
          continued,
        });
        request.destroy();
      });
    });
    request.on('error', reject);
    // No expectation, or another than 100-continue: node:http does not wait, the body goes at once.
    if (sent.expect !== '100-continue') request.end(BODY);
  });
}

/** The one audit record of `requestId` (failing unless there is exactly one). */
function theRecord(app: RunningApp, requestId: string): Record<string, unknown> {
  const found = auditRecords(app, requestId);
  expect(found, `records of ${requestId}`).to.have.length(1);
  return found[0]!;
}

/** The lines the app's listeners printed for `requestId` (which listener handled it, and the correlation id there). */
const handledLines = (app: RunningApp, requestId: string) =>
  app.jsonLines().filter((line) => line.handled === requestId);

describe('requests answered by checkContinue and checkExpectation listeners, under the register', function () {
  const key = newSecret();
  let app: RunningApp;
  const answers: Record<string, Answer> = {};
  const sent: [string, string, OutgoingHttpHeaders][] = [
    ['continue-self', '/self?provider=aws', { 'x-api-key': key }],
    ['continue-reemit', '/reemit', { 'x-api-key': key }],
    ['continue-refused', '/refuse', {}],
    ['expectation-refused', '/other', { expect: 'x-apitrail-test' }],
    ['plain', '/plain', { expect: undefined }],
  ];

  before(async function () {
    app = await startNdjsonApp('test/fixtures/expect-continue-app.cjs');
    const ids: string[] = [];
    for (const [requestId, path, headers] of sent) {
      answers[requestId] = await post(app, path, requestId, headers);
      ids.push(requestId);
    }
    await waitForAuditRecords(app, ids);
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('records a request the checkContinue listener answered itself, once, by fingerprint', () => {
    expect(answers['continue-self']).to.include({ status: 201, continued: true });
    expect(JSON.parse(answers['continue-self']!.body)).to.deep.equal({ received: Buffer.byteLength(BODY) });
    const record = theRecord(app, 'continue-self');
    expect([record.method, record.path, record.query_params, record.status_code]).to.deep.equal([
      'POST',
      '/self',
      { provider: 'aws' },
      201,
    ]);
    expect([record.authentication_method, record.is_api_key_request]).to.deep.equal(['api_key', true]);
    expect(record.api_key_fingerprint).to.match(/^[0-9a-f]{24}$/);
    expect(record).to.not.have.property('aborted');
  });

  it('records a request the listener passed on to the request listeners once, with the status they answered', () => {
    expect(answers['continue-reemit']).to.include({ status: 200, continued: true });
    const record = theRecord(app, 'continue-reemit');
    expect(record).to.include({ method: 'POST', path: '/reemit', status_code: 200, is_api_key_request: true });
    expect(record.api_key_fingerprint).to.equal(theRecord(app, 'continue-self').api_key_fingerprint);
    expect(handledLines(app, 'continue-reemit').map((line) => line.via)).to.deep.equal(['checkContinue', 'request']);
  });

  it('records a 417 the checkContinue or checkExpectation listener answered', () => {
    expect(answers['continue-refused']).to.include({ status: 417, continued: false });
    expect(theRecord(app, 'continue-refused')).to.include({ method: 'POST', path: '/refuse', status_code: 417 });
    expect(answers['expectation-refused']).to.include({ status: 417 });
    expect(theRecord(app, 'expectation-refused')).to.include({ path: '/other', status_code: 417 });
    expect(handledLines(app, 'expectation-refused').map((line) => line.via)).to.deep.equal(['checkExpectation']);
  });

  it('echoes the correlation id and has the request context active in every listener', () => {
    expect(answers['continue-self']!.headers['x-request-id']).to.equal('continue-self');
    expect(answers['continue-refused']!.headers['x-request-id']).to.equal('continue-refused');
    const lines = app.jsonLines().filter((line) => typeof line.handled === 'string');
    expect(lines.map((line) => line.via)).to.include.members(['checkContinue', 'checkExpectation', 'request']);
    for (const line of lines) expect(line.correlation, `${line.handled} in ${line.via}`).to.equal(line.handled);
  });

  it('records nothing twice: one record per request sent, and a 417 gets no security event', () => {
    const all = app.jsonLines().filter((line) => line.event === 'apitrail.api_request');
    expect(all.map((line) => line.request_id).sort()).to.deep.equal(sent.map(([requestId]) => requestId).sort());
    expect(otherEvents(app, 'continue-refused')).to.deep.equal([]);
  });

  it('prints no key, in any encoding', () => {
    const output = app.stdout() + app.stderr();
    for (const form of leakForms(key)) expect(output.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
  });
});

describe('control: Expect: 100-continue to a server without a checkContinue listener, under the register', function () {
  let app: RunningApp;
  let answer: Answer;

  before(async function () {
    app = await startNdjsonApp('test/fixtures/expect-continue-app.cjs', { EXPECT_LISTENERS: 'none' });
    answer = await post(app, '/api/v1/scans', 'default-continue');
    await waitForAuditRecords(app, ['default-continue']);
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('records the request Node passed to the request listener exactly once', () => {
    expect(answer).to.include({ status: 200, continued: true });
    expect(theRecord(app, 'default-continue')).to.include({ method: 'POST', path: '/api/v1/scans', status_code: 200 });
    expect(handledLines(app, 'default-continue').map((line) => line.via)).to.deep.equal(['request']);
    expect(handledLines(app, 'default-continue')[0]).to.include({ correlation: 'default-continue' });
  });
});

describe('a quarantined key with Expect: 100-continue (APITRAIL_RESPONSE=block), under the register', function () {
  const quarantined = newKey('key-continue-quarantined', 'Quarantined', 'tenant-q');
  const allowed = newKey('key-continue-allowed', 'Allowed', 'tenant-q');
  let app: RunningApp;
  const answers: Record<string, Answer> = {};

  before(async function () {
    app = await startNdjsonApp('test/fixtures/expect-continue-app.cjs', {
      APITRAIL_API_KEYS_FILE: writeKeysFile([quarantined, allowed]),
      APITRAIL_RESPONSE: 'block',
      APITRAIL_QUARANTINE_FILE: await quarantineFileWith(quarantined.id),
    });
    for (const [requestId, path, secret] of [
      ['continue-quarantined', '/self', quarantined.secret],
      ['reemit-quarantined', '/reemit', quarantined.secret],
      ['continue-allowed', '/self', allowed.secret],
      ['reemit-allowed', '/reemit', allowed.secret],
    ] as const) {
      answers[requestId] = await post(app, path, requestId, { 'x-api-key': secret });
    }
    await waitForAuditRecords(app, Object.keys(answers));
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('refuses it with 403 problem+json before the checkContinue listener, without 100 Continue, and records the block once', () => {
    for (const requestId of ['continue-quarantined', 'reemit-quarantined']) {
      expect(answers[requestId], requestId).to.include({ status: 403, continued: false });
      expect(answers[requestId]!.headers['content-type']).to.equal('application/problem+json');
      expect(JSON.parse(answers[requestId]!.body)).to.include({ status: 403 });
      expect(handledLines(app, requestId), `the app never saw ${requestId}`).to.deep.equal([]);
      expect(theRecord(app, requestId)).to.include({ status_code: 403, api_key_id: quarantined.id });
    }
    const blocks = app.jsonLines().filter((line) => line.event === 'apitrail.quarantine_block');
    expect(blocks.map((line) => line.request_id).sort()).to.deep.equal(['continue-quarantined', 'reemit-quarantined']);
  });

  it('lets another key’s request through, gated once though it is passed on to the request listener', () => {
    expect(answers['continue-allowed']).to.include({ status: 201, continued: true });
    expect(theRecord(app, 'continue-allowed')).to.include({ api_key_id: allowed.id, status_code: 201 });
    expect(answers['reemit-allowed']).to.include({ status: 200, continued: true });
    expect(theRecord(app, 'reemit-allowed')).to.include({ api_key_id: allowed.id, status_code: 200 });
  });
});

/**
 * What a client sees of a request Node answers itself, sent on a raw socket and followed on the
 * same connection (if it is still open) by a plain GET: the first response's bytes (its Date header
 * blanked), whether the server closed the connection after it, and the second response's status line.
 */
interface Transcript {
  readonly first: string;
  readonly closedAfterFirst: boolean;
  readonly second: string;
}

/** A request Node answers itself, with no event: how it is sent, and the status Node answers. */
interface NodeAnswered {
  /** `expect:` header, if any. */
  readonly expect?: string;
  /** Whether it names a host (an HTTP/1.1 request without one is answered 400). */
  readonly host: boolean;
  readonly connection: 'keep-alive' | 'close';
  readonly status: number;
}

function nodeAnsweredTranscript(
  app: RunningApp,
  requestId: string,
  sent: NodeAnswered,
  key: string,
): Promise<Transcript> {
  const { port } = new URL(app.baseUrl);
  const head =
    `POST /other HTTP/1.1\r\n${sent.host ? `host: 127.0.0.1:${port}\r\n` : ''}` +
    `${sent.expect === undefined ? '' : `expect: ${sent.expect}\r\n`}x-request-id: ${requestId}\r\n` +
    `x-api-key: ${key}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(BODY)}\r\n` +
    `connection: ${sent.connection}\r\n\r\n${BODY}`;
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    let next: NodeJS.Timeout | undefined;
    let closedAfterFirst = false;
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      // The same connection goes on, as a client's keep-alive pool would use it, unless it was closed.
      next ??= setTimeout(() => {
        socket.write(`GET /plain HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nx-request-id: ${requestId}-next\r\n\r\n`);
        socket.end();
      }, 200);
    });
    socket.on('end', () => {
      if (next === undefined || !socket.writableEnded) closedAfterFirst = true;
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // Writing the next request on a connection the server closed.
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    socket.on('close', () => {
      clearTimeout(next);
      const split = received.indexOf('HTTP/1.1 ', 1);
      const first = split === -1 ? received : received.slice(0, split);
      if (first === '') return reject(new Error(`no response to ${requestId}`));
      resolve({
        first: first.replace(/\r\ndate: [^\r]*/i, '\r\ndate: (blanked)'),
        closedAfterFirst,
        second: split === -1 ? '' : received.slice(split).split('\r\n')[0]!,
      });
    });
    socket.write(head);
  });
}

describe('requests Node answers itself, with no event: an expectation other than 100-continue to a server without a checkExpectation listener, no Host', function () {
  // Bare Node (the same app without the register) is the control.
  const key = newSecret();
  const cases: Record<string, NodeAnswered> = {
    'expectation-keep-alive': { expect: 'x-apitrail-test', host: true, connection: 'keep-alive', status: 417 },
    'expectation-close': { expect: 'x-apitrail-test', host: true, connection: 'close', status: 417 },
    'no-host': { host: false, connection: 'keep-alive', status: 400 },
    'no-host-expectation': { expect: 'x-apitrail-test', host: false, connection: 'keep-alive', status: 400 },
  };
  const names = Object.keys(cases);
  const bare: Record<string, Transcript> = {};
  const traced: Record<string, Transcript> = {};
  let app: RunningApp;

  before(async function () {
    const control = await startApp({
      script: 'test/fixtures/expect-continue-app.cjs',
      loader: 'none',
      env: { EXPECT_LISTENERS: 'none' },
    });
    try {
      for (const name of names) bare[name] = await nodeAnsweredTranscript(control, `bare-${name}`, cases[name]!, key);
    } finally {
      await control.stop();
    }
    app = await startNdjsonApp('test/fixtures/expect-continue-app.cjs', { EXPECT_LISTENERS: 'none' });
    for (const name of names) traced[name] = await nodeAnsweredTranscript(app, `node-${name}`, cases[name]!, key);
    // A missing record fails the test that looks for it, after the others ran.
    await waitForAuditRecords(app, [...names.map((name) => `node-${name}`)]).catch(() => undefined);
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('control: bare Node answers them itself, and the app never sees them', () => {
    for (const name of names) {
      expect(bare[name]!.first, name).to.match(new RegExp(`^HTTP/1\\.1 ${cases[name]!.status} `));
    }
    expect(bare['expectation-keep-alive']).to.include({ closedAfterFirst: false, second: 'HTTP/1.1 200 OK' });
    expect(bare['expectation-close']).to.include({ closedAfterFirst: true, second: '' });
    expect(bare['no-host']).to.include({ closedAfterFirst: true, second: '' });
  });

  it('answers the client exactly as bare Node: same bytes, same connection behaviour', () => {
    for (const name of names) expect(traced[name], name).to.deep.equal(bare[name]);
  });

  it('records each request once, with the status Node answered and the caller by fingerprint', () => {
    for (const name of names) {
      const record = theRecord(app, `node-${name}`);
      expect([record.method, record.path, record.status_code], name).to.deep.equal([
        'POST',
        '/other',
        cases[name]!.status,
      ]);
      expect([record.authentication_method, record.is_api_key_request]).to.deep.equal(['api_key', true]);
      expect(record.api_key_fingerprint).to.match(/^[0-9a-f]{24}$/);
      expect(record).to.not.have.property('aborted');
      expect(handledLines(app, `node-${name}`), 'the app never saw it').to.deep.equal([]);
    }
    expect(otherEvents(app, 'node-expectation-keep-alive')).to.deep.equal([]);
    expect(theRecord(app, 'node-expectation-keep-alive-next')).to.include({ path: '/plain', status_code: 200 });
  });

  it('prints no key, in any encoding', () => {
    const output = app.stdout() + app.stderr();
    for (const form of leakForms(key)) expect(output.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
  });
});
