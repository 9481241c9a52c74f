// Every folder in examples/ runs as its README says and apitrail records the request: the zero-code
// ones under the register (--require, or --import for ES modules), the programmatic one with its
// own NodeSDK bootstrap. A new example folder without a smoke test here fails the first test.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { EVENT_API_REQUEST, NDJSON_FIELDS, OWASP_EVENTS } from '@apitrail/core/internal';
import { repoRoot, startApp, type StartAppOptions } from '../helpers/app.ts';
import { newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';

const key = newKey('key-example', 'Example client', 'tenant-example');
const keysFile = writeKeysFile([key]);

interface Example {
  readonly start: StartAppOptions;
  /** The request to send: path and headers. */
  readonly path: string;
  readonly headers: Record<string, string>;
  /** What the audit record must say about the caller (NDJSON fields). */
  readonly caller: Record<string, string>;
  /** Whether the app itself checks keys (401 for an unknown one) or leaves that to a gateway. */
  readonly checksKeys: boolean;
}

const winstonKey = `pk_demo.${newSecret('')}`;
const withKey = { 'x-api-key': key.secret };
const registeredCaller = { api_key_id: key.id, api_key_name: key.name, tenant_id: key.tenantId };

const examples: Record<string, Example> = {
  'node-http': {
    start: { script: 'examples/node-http/server.js', env: { APITRAIL_API_KEYS_FILE: keysFile } },
    path: '/api/v1/scans?provider=aws',
    headers: withKey,
    caller: registeredCaller,
    checksKeys: false,
  },
  express: {
    start: { script: 'examples/express/server.js', env: { EXAMPLE_API_KEYS_FILE: keysFile } },
    path: '/api/v1/scans',
    headers: withKey,
    caller: registeredCaller,
    checksKeys: true,
  },
  fastify: {
    start: { script: 'examples/fastify/server.js', env: { EXAMPLE_API_KEYS_FILE: keysFile } },
    path: '/api/v1/scans',
    headers: withKey,
    caller: registeredCaller,
    checksKeys: true,
  },
  esm: {
    start: { script: 'examples/esm/server.mjs', loader: 'import', env: { APITRAIL_API_KEYS_FILE: keysFile } },
    path: '/api/v1/scans',
    headers: withKey,
    caller: registeredCaller,
    checksKeys: false,
  },
  winston: {
    start: { script: 'examples/winston/express.js', env: { DEMO_API_KEY: winstonKey } },
    path: '/api/v1/scans',
    headers: { authorization: `Bearer ${winstonKey}` },
    caller: { api_key_id: 'key-demo-1', tenant_id: 'tenant-demo-1' },
    checksKeys: true,
  },
  programmatic: {
    start: { script: 'examples/programmatic/server.js', loader: 'none', env: { EXAMPLE_API_KEYS_FILE: keysFile } },
    path: '/api/v1/scans',
    headers: withKey,
    caller: registeredCaller,
    checksKeys: true,
  },
};

const ndjsonEnv = {
  OTEL_SERVICE_NAME: 'examples-e2e',
  OTEL_TRACES_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'ndjson',
  OTEL_BLRP_SCHEDULE_DELAY: '50',
};

async function run(example: Example, headers: Record<string, string>): Promise<Record<string, unknown>[]> {
  const app = await startApp({ ...example.start, env: { ...ndjsonEnv, ...example.start.env } });
  try {
    const response = await fetch(`${app.baseUrl}${example.path}`, { headers });
    await response.arrayBuffer();
  } finally {
    // The exit flushes: every record is on stdout once stop() resolves.
    await app.stop();
  }
  return app.jsonLines();
}

const auditRecords = (lines: Record<string, unknown>[]): Record<string, unknown>[] =>
  lines.filter((line) => line[NDJSON_FIELDS.event] === EVENT_API_REQUEST);

describe('examples', function () {
  this.timeout(60000);

  it('has a smoke test for every example folder', function () {
    const folders = readdirSync(join(repoRoot, 'examples'), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && entry.name !== 'shared')
      .map((entry) => entry.name);
    expect(folders.sort()).to.deep.equal(Object.keys(examples).sort());
  });

  for (const [name, example] of Object.entries(examples)) {
    describe(name, function () {
      it('writes an audit record naming the caller, never its key', async function () {
        const lines = await run(example, example.headers);
        const [audit, ...more] = auditRecords(lines);
        expect(more, 'one request, one audit record').to.have.length(0);
        expect(audit, JSON.stringify(lines)).to.include({
          ...example.caller,
          [NDJSON_FIELDS.statusCode]: 200,
          [NDJSON_FIELDS.path]: example.path.split('?')[0],
        });
        const secret = example.headers['x-api-key'] ?? winstonKey;
        const apitrailLines = lines.filter((line) => line[NDJSON_FIELDS.logger] !== undefined);
        expect(JSON.stringify(apitrailLines)).not.to.include(secret);
      });

      it('records an unknown key as unregistered (and, where the app checks keys, as authn_login_fail)', async function () {
        const wrongKey = newSecret();
        const lines = await run(example, { 'x-api-key': wrongKey, authorization: `Bearer ${wrongKey}` });
        const [audit] = auditRecords(lines);
        const failures = lines.filter((line) => line[NDJSON_FIELDS.event] === OWASP_EVENTS.authnLoginFail);
        expect(audit, JSON.stringify(lines)).to.include({ [NDJSON_FIELDS.statusCode]: example.checksKeys ? 401 : 200 });
        expect(audit).not.to.have.property(NDJSON_FIELDS.apiKeyId);
        expect(audit)
          .to.have.property('api_key_fingerprint')
          .that.matches(/^[0-9a-f]{24}$/);
        expect(failures).to.have.length(example.checksKeys ? 1 : 0);
      });
    });
  }
});
