// Each credential form end to end (issue #3): `Authorization: Token`, `Authorization: Api-Key`,
// registry entries matched by their public prefix (longest first), and a JWT bearer, under the
// zero-code register into the real collector. For each, the identity must be on both the server
// span and the audit record; near misses of a registered key must not be identified as it. Keys are
// generated at test time and searched for in everything that was exported.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import {
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_API_KEY_NAME,
  ATTR_API_KEY_PREFIX,
  ATTR_AUTH_IS_API_KEY_REQUEST,
  ATTR_AUTH_JWT_ISSUER,
  ATTR_AUTH_METHOD,
  ATTR_CORRELATION_ID,
  ATTR_TENANT_ID,
  ATTR_USER_ID,
  EVENT_API_REQUEST,
} from '@apitrail/core/internal';
import type { RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import type { ExportedLogRecord, ExportedSpan } from '../helpers/otlp-json.ts';
import { leakForms, newKey, newSecret, writeKeysFile, type TestKey } from '../helpers/identity-keys.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import { waitFor } from '../helpers/wait.ts';

const SERVER_SPAN_KIND = 2;

interface PrefixEntry {
  readonly id: string;
  readonly name: string;
  readonly tenant_id: string;
  readonly prefix: string;
}

/** A registry file with `digestKeys` by SHA-256 (the shared writer) and `prefixEntries` by prefix. */
function writeRegistry(digestKeys: TestKey[], prefixEntries: PrefixEntry[]): string {
  const file = writeKeysFile(digestKeys);
  const entries = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
  writeFileSync(file, JSON.stringify([...entries, ...prefixEntries]));
  return file;
}

function jwt(payload: object, signature: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}.${signature}`;
}

/** `secret` with its last character replaced by one it cannot have been. */
const nearMiss = (secret: string): string => `${secret.slice(0, -1)}${secret.endsWith('!') ? '?' : '!'}`;

describe('identity of each credential form, on the server span and the audit record', function () {
  const tokenKey = newKey('key-token', 'Token Client', 'tenant-token');
  const apiKeyKey = newKey('key-api-key', 'Api-Key Client', 'tenant-api-key');
  const shortPrefix = `pk_${randomBytes(6).toString('hex')}`;
  const longPrefix = `${shortPrefix}${randomBytes(3).toString('hex')}`;
  const prefixEntries: PrefixEntry[] = [
    { id: 'key-prefix-short', name: 'Short Prefix', tenant_id: 'tenant-short', prefix: shortPrefix },
    { id: 'key-prefix-long', name: 'Long Prefix', tenant_id: 'tenant-long', prefix: longPrefix },
  ];
  // '_' is not a hex digit: this key has the short prefix but not the long one.
  const shortPrefixed = newSecret(`${shortPrefix}_`);
  const longPrefixed = newSecret(longPrefix);
  const notPrefixed = newSecret(nearMiss(shortPrefix));
  const jwtSubject = `user-${randomBytes(4).toString('hex')}`;
  const jwtIssuer = `https://issuer-${randomBytes(4).toString('hex')}.test`;
  const jwtSignature = randomBytes(32).toString('base64url');
  const token = jwt({ sub: jwtSubject, iss: jwtIssuer }, jwtSignature);
  const tokenNearMiss = nearMiss(tokenKey.secret);
  const apiKeyNearMiss = nearMiss(apiKeyKey.secret);
  const secrets = [
    tokenKey.secret,
    apiKeyKey.secret,
    shortPrefixed,
    shortPrefixed.slice(shortPrefix.length),
    longPrefixed,
    longPrefixed.slice(longPrefix.length),
    notPrefixed,
    tokenNearMiss,
    apiKeyNearMiss,
    token,
    jwtSignature,
  ];

  const registeredKey = (key: TestKey) => ({
    [ATTR_API_KEY_ID]: key.id,
    [ATTR_API_KEY_NAME]: key.name,
    [ATTR_TENANT_ID]: key.tenantId,
    [ATTR_AUTH_METHOD]: 'api_key',
    [ATTR_AUTH_IS_API_KEY_REQUEST]: true,
  });
  const prefixedKey = (entry: PrefixEntry) => ({
    [ATTR_API_KEY_ID]: entry.id,
    [ATTR_API_KEY_NAME]: entry.name,
    [ATTR_TENANT_ID]: entry.tenant_id,
    [ATTR_API_KEY_PREFIX]: entry.prefix,
    [ATTR_AUTH_METHOD]: 'api_key',
    [ATTR_AUTH_IS_API_KEY_REQUEST]: true,
  });
  const identified: [requestId: string, authorization: Record<string, string>, identity: Record<string, unknown>][] = [
    ['token', { authorization: `Token ${tokenKey.secret}` }, registeredKey(tokenKey)],
    ['api-key', { authorization: `Api-Key ${apiKeyKey.secret}` }, registeredKey(apiKeyKey)],
    ['prefix-short', { 'x-api-key': shortPrefixed }, prefixedKey(prefixEntries[0]!)],
    ['prefix-long', { authorization: `Token ${longPrefixed}` }, prefixedKey(prefixEntries[1]!)],
    [
      'jwt',
      { authorization: `Bearer ${token}` },
      {
        [ATTR_AUTH_METHOD]: 'jwt',
        [ATTR_AUTH_IS_API_KEY_REQUEST]: false,
        [ATTR_USER_ID]: jwtSubject,
        [ATTR_AUTH_JWT_ISSUER]: jwtIssuer,
      },
    ],
  ];
  const unidentified: [requestId: string, headers: Record<string, string>][] = [
    ['token-near-miss', { authorization: `Token ${tokenNearMiss}` }],
    ['api-key-near-miss', { authorization: `Api-Key ${apiKeyNearMiss}` }],
    ['prefix-near-miss', { 'x-api-key': notPrefixed }],
  ];

  let collector: RunningCollector;
  let app: RunningApp;
  let logs: ExportedLogRecord[];
  let spans: ExportedSpan[];

  const auditOf = (requestId: string): Record<string, unknown> => {
    const record = logs.find(
      (log) => log.eventName === EVENT_API_REQUEST && log.attributes[ATTR_CORRELATION_ID] === requestId,
    );
    expect(record, `the audit record of ${requestId}`).to.not.equal(undefined);
    return record!.attributes;
  };
  const spanOf = (requestId: string): Record<string, unknown> => {
    const span = spans.find(
      (candidate) => candidate.kind === SERVER_SPAN_KIND && candidate.attributes[ATTR_CORRELATION_ID] === requestId,
    );
    expect(span, `the server span of ${requestId}`).to.not.equal(undefined);
    return span!.attributes;
  };

  before(async function () {
    ({ collector, app } = await startAppBehindCollector(this, {
      serviceName: 'identity-credential-forms',
      env: {
        APITRAIL_API_KEYS_FILE: writeRegistry([tokenKey, apiKeyKey], prefixEntries),
        APITRAIL_JWT_IDENTITY_CLAIMS: 'sub,iss',
        APITRAIL_FINGERPRINT_KEY: randomBytes(32).toString('hex'),
      },
    }));
    for (const [requestId, headers] of [...identified, ...unidentified]) {
      const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
        headers: { 'x-request-id': requestId, ...headers },
      });
      expect(response.status, requestId).to.equal(200);
      await response.arrayBuffer();
    }
    await app.stop();
    const requestCount = identified.length + unidentified.length;
    logs = await waitFor('every audit record at the collector', async () => {
      const records = await collector.logs();
      return records.filter((record) => record.eventName === EVENT_API_REQUEST).length >= requestCount
        ? records
        : undefined;
    });
    spans = await waitFor('every server span at the collector', async () => {
      const exported = await collector.spans();
      return exported.filter((span) => span.kind === SERVER_SPAN_KIND).length >= requestCount ? exported : undefined;
    });
  });

  after(async () => {
    await app?.stop();
    await collector?.stop();
  });

  for (const [requestId, , identity] of identified) {
    it(`identifies ${requestId} on the server span and the audit record`, () => {
      expect(spanOf(requestId), 'span').to.include(identity);
      expect(auditOf(requestId), 'audit record').to.include(identity);
    });
  }

  it('keeps a JWT caller apart from API keys: no key id, fingerprint or tenant', () => {
    for (const attributes of [spanOf('jwt'), auditOf('jwt')]) {
      for (const absent of [ATTR_API_KEY_ID, ATTR_API_KEY_FINGERPRINT, ATTR_TENANT_ID]) {
        expect(attributes).to.not.have.property(absent);
      }
    }
  });

  it('does not identify a near miss of a registered key or prefix as that key, on either', () => {
    for (const [requestId] of unidentified) {
      for (const attributes of [spanOf(requestId), auditOf(requestId)]) {
        expect(attributes, requestId).to.include({
          [ATTR_AUTH_METHOD]: 'api_key',
          [ATTR_AUTH_IS_API_KEY_REQUEST]: true,
        });
        expect(attributes[ATTR_API_KEY_FINGERPRINT], requestId).to.match(/^[0-9a-f]{24}$/);
        for (const absent of [ATTR_API_KEY_ID, ATTR_API_KEY_NAME, ATTR_TENANT_ID, ATTR_API_KEY_PREFIX]) {
          expect(attributes, `${requestId}: ${absent}`).to.not.have.property(absent);
        }
      }
    }
  });

  it('exports no key, key remainder past its public prefix, or JWT, in any encoding', async () => {
    const exported = (await collector.rawOutput()) + app.stdout() + app.stderr();
    // Non-secret values that must be there: the search below ran over real output.
    expect(exported).to.include(tokenKey.id).and.include(jwtIssuer);
    for (const secret of secrets) {
      for (const form of leakForms(secret)) {
        expect(exported.includes(form), `leaked: ${form.slice(0, 6)}…`).to.equal(false);
      }
    }
  });
});
