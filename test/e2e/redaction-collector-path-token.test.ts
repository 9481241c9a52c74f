// The SDK's path-segment rule in the Collector: telemetry that never went through apitrail's
// processors, with a token in the URL path segment after a credential keyword
// (`/reset-password/<token>`, `/api/token/<token>`) in url.path, a log body, a span event and a
// JSON string, sent straight to a real collector. With the generated redaction.yaml (its
// transform/apitrail processor) the token segment comes out as `****` and the keyword's segment
// stays. The control: the same telemetry through today's files without transform/apitrail in the
// pipeline (the redaction processor alone, as before the rule) comes out with every token, so the
// search below can see a leak. (It reads no git history: CI may test a shallow clone.)
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectorConfigDir, requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { sendRawTelemetry } from '../helpers/raw-telemetry.ts';
import { randomLettersToken, randomString } from '../helpers/redaction-secrets.ts';

/** A random token with upper and lower case and digits, 24 base64url characters (the SDK's rule takes it). */
function pathToken(): string {
  for (;;) {
    const token = randomString(24);
    if (/[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9]/.test(token) && new Set(token).size >= 16) return token;
  }
}

const ORDINARY_PATHS = [
  '/reset-password/confirm',
  '/api/token/list',
  '/api/tokens/refresh-all-expired-sessions',
  '/api/token/refreshAccessToken',
  '/reset-password/Confirm-Your-Account',
  '/auth/getApiKeyForUser',
  '/token/isValidForUserById',
];

describe('redaction: the collector masks a token in the path segment after a credential keyword', function () {
  this.timeout(120_000);
  const tokens = {
    resetPassword: pathToken(),
    apiToken: pathToken(),
    body: pathToken(),
    event: pathToken(),
    json: pathToken(),
    lettersOnly: randomLettersToken(),
    hex: randomBytes(32).toString('hex'),
  };
  const collectors: RunningCollector[] = [];

  /** Sends the telemetry through a collector running `configs` and returns what it wrote, and the collector. */
  async function run(context: Mocha.Context, configs: readonly string[]): Promise<[string, RunningCollector]> {
    const collector = await startCollector(await requireCollector(context), configs);
    collectors.push(collector);
    const output = await sendRawTelemetry(
      collector,
      'path-token',
      [
        {
          severityText: 'INFO',
          body: `GET /api/token/${tokens.body}?page=2 returned 404`,
          attributes: {
            'url.path': `/reset-password/${tokens.resetPassword}`,
            'app.detail': JSON.stringify({ path: `/api/v1/auth/${tokens.json}` }),
            'app.ordinary': ORDINARY_PATHS.join(' '),
            'app.letters': `/api/token/${tokens.lettersOnly}`,
            'app.hex': `/reset-password/${tokens.hex}`,
          },
        },
      ],
      [
        {
          name: 'GET /api/token/:token',
          attributes: { 'url.path': `/api/token/${tokens.apiToken}`, 'http.route': '/api/token/:token' },
          events: [
            { name: 'exception', attributes: { 'exception.message': `no user for /resetPassword/${tokens.event}` } },
          ],
        },
      ],
    );
    return [output, collector];
  }

  /** Which tokens are in `output`. */
  const leaked = (output: string): string[] =>
    Object.entries(tokens)
      .filter(([, token]) => output.includes(token))
      .map(([name]) => name);

  after(async () => {
    await Promise.all(collectors.map((collector) => collector.stop()));
  });

  it('masks every token segment and keeps the keyword segments and ordinary paths (redaction.yaml)', async function () {
    const [output, collector] = await run(this, ['local-redacting.yaml', 'redaction.yaml']);
    expect(output).to.include('path-token');
    expect(leaked(output)).to.deep.equal([]);
    const [record] = await collector.logs();
    expect(record!.attributes['url.path']).to.equal('/reset-password/****');
    expect(record!.body).to.equal('GET /api/token/****?page=2 returned 404');
    expect(record!.attributes['app.detail']).to.equal(JSON.stringify({ path: '/api/v1/auth/****' }));
    expect(record!.attributes['app.ordinary']).to.equal(ORDINARY_PATHS.join(' '));
    expect(record!.attributes['app.letters']).to.equal('/api/token/****');
    expect(record!.attributes['app.hex']).to.equal('/reset-password/****');
    const [span] = await collector.spans();
    expect(span!.attributes['url.path']).to.equal('/api/token/****');
    expect(span!.attributes['http.route']).to.equal('/api/token/:token');
    expect(output).to.include('no user for /resetPassword/****');
  });

  it("control: today's redaction.yaml with transform/apitrail left out of the pipeline lets every token through", async function () {
    const directory = await mkdtemp(join(tmpdir(), 'apitrail-no-transform-'));
    const pipeline = (await readFile(join(collectorConfigDir, 'local-redacting.yaml'), 'utf8')).replaceAll(
      'redaction/apitrail, transform/apitrail,',
      'redaction/apitrail,',
    );
    expect(pipeline).to.not.include('transform/apitrail');
    await writeFile(join(directory, 'local-redacting.yaml'), pipeline);
    const [output] = await run(this, [join(directory, 'local-redacting.yaml'), 'redaction.yaml']);
    expect(leaked(output)).to.deep.equal(Object.keys(tokens));
  });
});
