// A request Node itself ends for its request timeout (server.requestTimeout: the body did not arrive
// in time) is answered 408 Request Timeout by Node, not by the app: its audit record must say 408, as
// the client saw it, not 499 (a client that went away). Real app under the register
// (test/fixtures/request-timeout-app.cjs), raw sockets, NDJSON.
import { expect } from 'chai';
import { connect } from 'node:net';
import { type RunningApp } from '../helpers/app.ts';
import { auditRecords, startNdjsonApp, waitForAuditRecords } from '../helpers/ndjson-app.ts';

/** Writes `head` and resolves with what the server sent until it closed the connection. */
function exchange(port: number, head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let answer = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(head));
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('close', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('a request ended by Node’s request timeout, under the register', function () {
  let app: RunningApp;
  let answer: string;

  const records = (requestId: string) => auditRecords(app, requestId);

  before(async function () {
    app = await startNdjsonApp('test/fixtures/request-timeout-app.cjs', { REQUEST_TIMEOUT_MS: '800' });
    const port = Number(new URL(app.baseUrl).port);
    answer = await exchange(
      port,
      'POST /upload HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: slow-body\r\nContent-Length: 100\r\n\r\nfirst bytes',
    );
    const complete = await exchange(
      port,
      'POST /upload HTTP/1.1\r\nHost: localhost\r\nX-Request-ID: whole-body\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
    );
    expect(complete).to.match(/^HTTP\/1\.1 200 /);
    await waitForAuditRecords(app, ['slow-body', 'whole-body']);
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('records the 408 Node answered, once, not a client that went away', () => {
    expect(answer).to.match(/^HTTP\/1\.1 408 /);
    expect(records('slow-body')).to.have.length(1);
    expect(records('slow-body')[0]).to.include({ status_code: 408, level: 'WARN', event_outcome: 'failure' });
    expect(records('slow-body')[0]).to.not.have.property('aborted');
  });

  it('control: a request whose body arrived is the app’s 200', () => {
    expect(records('whole-body')[0]).to.include({ status_code: 200 });
  });
});
