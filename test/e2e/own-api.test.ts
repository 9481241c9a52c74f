// "An app holding its own @opentelemetry/api and SDK gets apitrail's attributes": the library
// packages take the API as a peer dependency, so the app's copy is the only one in the process and
// the providers the app's SDK registers are the ones apitrail's instrumentation and processors use.
// The app (test/fixtures/own-api-app.cjs) sees apitrail's identity on its own span and log record
// processors; a second API copy, loaded on purpose, is the control for the instance count.
import { expect } from 'chai';
import { cpSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ATTR_API_KEY_ID, ATTR_CORRELATION_ID, ATTR_TENANT_ID } from '@apitrail/core/internal';
import { startApp, type RunningApp } from '../helpers/app.ts';
import { newKey, writeKeysFile } from '../helpers/identity-keys.ts';
import { waitFor } from '../helpers/wait.ts';

const require = createRequire(import.meta.url);
const key = newKey('key-own-api', 'Own API Scanner', 'tenant-own-api');

async function runOneRequest(env: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const app: RunningApp = await startApp({
    script: 'test/fixtures/own-api-app.cjs',
    loader: 'none',
    env: {
      OTEL_SERVICE_NAME: 'own-api',
      OTEL_TRACES_EXPORTER: 'none',
      OTEL_LOGS_EXPORTER: 'none',
      APITRAIL_API_KEYS_FILE: writeKeysFile([key]),
      APITRAIL_FINGERPRINT_KEY: randomBytes(32).toString('hex'),
      ...env,
    },
  });
  try {
    const response = await fetch(`${app.baseUrl}/api/v1/scans`, {
      headers: { 'x-request-id': 'own-api-1', 'x-api-key': key.secret },
    });
    expect(response.status).to.equal(200);
    await response.arrayBuffer();
    await waitFor('the audit record at the app processor', () =>
      app.jsonLines().some((line) => line.appAuditRecord !== undefined) ? true : undefined,
    );
    return app.jsonLines();
  } finally {
    await app.stop();
  }
}

describe('an app with its own @opentelemetry/api and SDK', function () {
  let lines: Record<string, unknown>[];
  const first = (field: string): Record<string, unknown> =>
    lines.find((line) => line[field] !== undefined)?.[field] as Record<string, unknown>;

  before(async function () {
    lines = await runOneRequest();
  });

  it('loads one API instance, the app’s', function () {
    expect(first('apiCopies')).to.deep.equal([require.resolve('@opentelemetry/api')]);
  });

  it('sees the span apitrail started through its own API', function () {
    expect(lines.find((line) => line.appSeesRecordingSpan !== undefined)?.appSeesRecordingSpan).to.equal(true);
  });

  it('gets apitrail’s identity on the server span and the audit record', function () {
    for (const attributes of [first('appSpan'), first('appAuditRecord')]) {
      expect(attributes[ATTR_API_KEY_ID]).to.equal(key.id);
      expect(attributes[ATTR_TENANT_ID]).to.equal(key.tenantId);
      expect(attributes[ATTR_CORRELATION_ID]).to.equal('own-api-1');
    }
  });

  it('control: a second API copy is counted', async function () {
    const copy = join(mkdtempSync(join(tmpdir(), 'apitrail-api-copy-')), 'node_modules', '@opentelemetry', 'api');
    const entry = require.resolve('@opentelemetry/api');
    cpSync(
      entry.slice(0, entry.lastIndexOf(join('@opentelemetry', 'api')) + join('@opentelemetry', 'api').length),
      copy,
      {
        recursive: true,
      },
    );
    const withCopy = await runOneRequest({ SECOND_API_COPY: copy });
    const copies = withCopy.find((line) => line.apiCopies !== undefined)?.apiCopies as string[];
    expect(copies).to.have.length(2);
  });
});
