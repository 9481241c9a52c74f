// Defence in depth: telemetry that never went through the SDK's redacting processors, sent straight
// to a real collector running local-redacting.yaml with the generated redaction.yaml, comes out
// with its secrets masked by the collector's redaction processor.
import { expect } from 'chai';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { sendRawTelemetry } from '../helpers/raw-telemetry.ts';
import {
  generatedSecrets,
  gluedForms,
  gluedLookAlikes,
  leakedSecrets,
  lookAlikes,
  randomString,
} from '../helpers/redaction-secrets.ts';

describe('redaction: the collector masks secrets that bypassed the SDK (local-redacting.yaml)', function () {
  const secrets = generatedSecrets();
  const { uuid, gitSha, orderNumber } = lookAlikes();
  const jobNames = gluedLookAlikes().join(' ');
  const keyed = {
    password: randomString(20),
    cookie: `sid=${randomString(24)}`,
    apiKey: randomString(32),
    // Form encodings of nested and repeated fields, as attribute keys and in a query.
    nested: randomString(24),
    repeated: randomString(24),
  };
  // An SQL password literal in a JSON string: its double quotes escaped (`IDENTIFIED BY \"…\"`).
  const sqlPassword = randomString(20);
  const sqlInJson = JSON.stringify({ sql: `CREATE USER bob IDENTIFIED BY "${sqlPassword}"; GRANT ALL ON db TO bob` });
  let collector: RunningCollector;
  let output: string;

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, ['local-redacting.yaml', 'redaction.yaml']);
    output = await sendRawTelemetry(
      collector,
      'bypass-sdk',
      secrets.map((secret, index) => ({
        severityText: 'INFO',
        body: `order ${orderNumber} request ${uuid} commit ${gitSha} used ${secret.text}`,
        attributes: {
          'app.note': `attempt ${index}: ${secret.text}`,
          password: keyed.password,
          'http.request.header.cookie': keyed.cookie,
          'app.order': orderNumber,
          'user[password]': keyed.nested,
          'password[]': keyed.repeated,
          'app.sql': sqlInJson,
        },
      })),
      secrets.map((secret) => ({
        name: 'GET /api/v1/scans',
        attributes: {
          'url.query': `api_key=${keyed.apiKey}&q=${secret.text}&user[password]=${keyed.nested}&password[]=${keyed.repeated}`,
          'http.request.header.x-api-key': keyed.apiKey,
          'user_agent.original': `curl ${secret.text}`,
          'app.request_id': uuid,
          // A distinctive prefix is found glued to a word too (`tokenghp_…`); empty for other formats.
          'app.glued': gluedForms(secret).join(' '),
          'app.job_names': jobNames,
        },
        events: [{ name: 'exception', attributes: { 'exception.message': `failed: ${secret.text}` } }],
      })),
    );
  });

  after(async () => {
    await collector?.stop();
  });

  it('wrote every record, with no secret of any format left in log bodies, attributes, spans or events', () => {
    expect(output).to.include('bypass-sdk');
    expect(leakedSecrets(output, secrets)).to.deep.equal([]);
    for (const value of Object.values(keyed)) expect(output).to.not.include(value);
  });

  it('masked an SQL password literal in escaped double quotes (a statement logged in a JSON string)', async () => {
    expect(output).to.not.include(sqlPassword);
    const [record] = await collector.logs();
    expect(record!.attributes['app.sql']).to.match(/^\{"sql":"CREATE USER bob \*{4}\\"; GRANT ALL ON db TO bob"\}$/);
  });

  it('masked values under sensitive keys, adding no summary attributes (they would break signed records)', async () => {
    const [record] = await collector.logs();
    expect(record!.attributes.password).to.equal('****');
    expect(Object.keys(record!.attributes).filter((key) => key.startsWith('redaction.'))).to.deep.equal([]);
  });

  it('kept the non-secret look-alikes', async () => {
    const [record] = await collector.logs();
    expect(record!.attributes['app.order']).to.equal(orderNumber);
    expect(record!.body).to.include(uuid).and.include(gitSha).and.include(orderNumber);
    const [span] = await collector.spans();
    expect(span!.attributes['app.request_id']).to.equal(uuid);
    expect(span!.attributes['app.job_names'], 'identifiers with a token prefix inside a word').to.equal(jobNames);
  });
});
