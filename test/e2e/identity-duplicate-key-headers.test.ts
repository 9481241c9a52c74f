// An API key header sent twice (two `X-API-Key` lines): node:http joins the lines into one value
// ("<a>, <b>"), while an app that reads `req.headersDistinct` (or splits the value on commas) takes
// the first key. apitrail must name the key the app takes, and the quarantine gate must see every one
// of them: with the joined value, a quarantined key sent twice passed the gate (its fingerprint was
// that of "<key>, <key>"). Real register, node:http example, keys made at test time, NDJSON.
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { request, type OutgoingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { type RunningApp } from '../helpers/app.ts';
import { leakForms, newKey, writeKeysFile } from '../helpers/identity-keys.ts';
import { auditRecords, startNdjsonApp, waitForAuditRecords } from '../helpers/ndjson-app.ts';

/** GET /api/v1/scans with `headers` (an array value is sent as that many header lines); the status. */
function get(app: RunningApp, headers: OutgoingHttpHeaders): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(app.baseUrl);
    const outgoing = request({ host: url.hostname, port: url.port, path: '/api/v1/scans', headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('an API key header sent twice, under the register (APITRAIL_RESPONSE=block)', function () {
  const quarantined = newKey('key-dup-quarantined', 'Quarantined', 'tenant-dup');
  const first = newKey('key-dup-first', 'First', 'tenant-dup');
  const second = newKey('key-dup-second', 'Second', 'tenant-dup');
  let app: RunningApp;
  const statuses: Record<string, number> = {};

  const audit = (requestId: string) => auditRecords(app, requestId)[0];

  before(async function () {
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-quarantine-')), 'quarantine.json');
    const add = await runApitrail(['quarantine', 'add', quarantined.id, '--file', file, '--seconds', '600']);
    expect(add.code, add.stderr).to.equal(0);
    app = await startNdjsonApp('examples/node-http/server.js', {
      APITRAIL_API_KEYS_FILE: writeKeysFile([quarantined, first, second]),
      APITRAIL_RESPONSE: 'block',
      APITRAIL_QUARANTINE_FILE: file,
    });
    const sent: [string, string[]][] = [
      ['quarantined-twice', [quarantined.secret, quarantined.secret]],
      ['quarantined-second', [first.secret, quarantined.secret]],
      ['first-and-second', [first.secret, second.secret]],
      ['first-twice', [first.secret, first.secret]],
    ];
    for (const [requestId, keys] of sent) {
      statuses[requestId] = await get(app, { 'x-request-id': requestId, 'x-api-key': keys });
    }
    await waitForAuditRecords(
      app,
      sent.map(([requestId]) => requestId),
    );
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  it('refuses a quarantined key sent twice, or after another key', () => {
    expect(statuses['quarantined-twice']).to.equal(403);
    expect(statuses['quarantined-second']).to.equal(403);
  });

  it('names the first key, as an app reading the distinct values takes it', () => {
    expect(statuses['first-and-second']).to.equal(200);
    expect(audit('first-and-second')).to.include({ api_key_id: first.id, authentication_method: 'api_key' });
    expect(audit('first-twice')).to.include({ api_key_id: first.id, api_key_name: first.name });
    expect(audit('quarantined-twice')).to.include({ api_key_id: quarantined.id, status_code: 403 });
  });

  it('prints no key, in any encoding', () => {
    const output = app.stdout() + app.stderr();
    for (const key of [quarantined, first, second]) {
      for (const form of leakForms(key.secret)) {
        expect(output.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
      }
    }
  });
});
