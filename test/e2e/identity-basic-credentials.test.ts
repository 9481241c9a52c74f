// API keys sent as HTTP Basic credentials, under the zero-code register (node:http example, NDJSON):
// many APIs take the key as the user name with an empty password (`curl -u <key>:`), and clients
// also send the key base64-encoded without a colon, or bare after `Basic` (not base64). Such a user
// name is the key: it must be identified as an API key (registry id, or keyed fingerprint), and
// neither it nor the bytes a lenient base64 decoder makes of a bare key may reach `user.id`. A key
// as the password of an empty user name stays unread (no credential). Keys are made at test time.
import { expect } from 'chai';
import { randomBytes, randomInt } from 'node:crypto';
import { type RunningApp } from '../helpers/app.ts';
import { leakForms, newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';
import { auditRecords, startNdjsonApp, waitForAuditRecords } from '../helpers/ndjson-app.ts';

const base64 = (text: string): string => Buffer.from(text).toString('base64');

/** A key made of lower-case words and digits, as some services issue them (no redaction rule knows it). */
function wordKey(): string {
  const words = ['amber', 'cobalt', 'delta', 'falcon', 'harbor', 'juniper', 'lantern', 'meadow', 'quartz', 'willow'];
  const pick = () => words[randomInt(words.length)]!;
  return `${pick()}-${pick()}-${pick()}-${pick()}-${randomInt(1000, 10000)}`;
}

describe('API keys in HTTP Basic credentials, under the register', function () {
  const asUser = newKey('key-basic-user', 'Basic First Half', 'tenant-basic');
  const asPassword = newKey('key-basic-password', 'Basic Second Half', 'tenant-basic');
  const alone = newKey('key-basic-alone', 'Basic Without Colon', 'tenant-basic');
  const words = { ...newKey('key-basic-words', 'Word Key', 'tenant-words'), secret: wordKey() };
  const rawUnregistered = newSecret();
  const rawAlphanumeric = randomBytes(24).toString('hex');
  const secrets = [asUser.secret, asPassword.secret, alone.secret, words.secret, rawUnregistered, rawAlphanumeric];
  const requests: [requestId: string, authorization: string][] = [
    ['key-as-user', `Basic ${base64(`${asUser.secret}:`)}`],
    ['key-as-password', `Basic ${base64(`:${asPassword.secret}`)}`],
    ['key-without-colon', `Basic ${base64(alone.secret)}`],
    ['word-key-as-user', `Basic ${base64(`${words.secret}:`)}`],
    ['raw-key', `Basic ${rawUnregistered}`],
    ['raw-alphanumeric-key', `Basic ${rawAlphanumeric}`],
    ['user-and-password', `Basic ${base64(`alice:${randomBytes(8).toString('hex')}`)}`],
  ];
  let app: RunningApp;

  const audit = (requestId: string): Record<string, unknown> => {
    const [record] = auditRecords(app, requestId);
    expect(record, `the audit record of ${requestId}`).to.not.equal(undefined);
    return record!;
  };

  before(async function () {
    app = await startNdjsonApp('examples/node-http/server.js', {
      APITRAIL_API_KEYS_FILE: writeKeysFile([asUser, asPassword, alone, words]),
      APITRAIL_FINGERPRINT_KEY: randomBytes(32).toString('hex'),
    });
    for (const [requestId, authorization] of requests) {
      const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
        headers: { 'x-request-id': requestId, authorization },
      });
      await response.arrayBuffer();
    }
    await waitForAuditRecords(
      app,
      requests.map(([requestId]) => requestId),
    );
    await app.stop();
  });

  after(async () => {
    await app?.stop();
  });

  for (const [requestId, key] of [
    ['key-as-user', asUser],
    ['key-without-colon', alone],
    ['word-key-as-user', words],
  ] as const) {
    it(`identifies the registered key of ${requestId} as an API key, not a user`, () => {
      expect(audit(requestId)).to.include({
        api_key_id: key.id,
        api_key_name: key.name,
        tenant_id: key.tenantId,
        authentication_method: 'api_key',
        is_api_key_request: true,
      });
      expect(audit(requestId)).to.not.have.property('user_id');
    });
  }

  it('reads no key from the password of an empty user name, and records no user', () => {
    expect(audit('key-as-password')).to.include({ authentication_method: 'unauthenticated' });
    expect(audit('key-as-password')).to.not.have.property('user_id');
  });

  it('takes no user name from a Basic value that is not base64 of UTF-8 text (a bare key after Basic)', () => {
    for (const requestId of ['raw-key', 'raw-alphanumeric-key']) {
      expect(audit(requestId), requestId).to.not.have.property('user_id');
      expect(audit(requestId), requestId).to.not.have.property('api_key_id');
    }
  });

  it('still takes the user name of a user and password, and never the password', () => {
    expect(audit('user-and-password')).to.include({ authentication_method: 'basic', user_id: 'alice' });
  });

  it('prints no key, in any encoding', () => {
    const output = app.stdout() + app.stderr();
    for (const secret of secrets) {
      for (const form of leakForms(secret)) {
        expect(output.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
      }
    }
    // The search ran over real records.
    expect(output).to.include('alice');
  });
});
