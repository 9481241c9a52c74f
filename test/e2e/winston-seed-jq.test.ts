// The seed's jq pipelines and pandas analysis, unmodified, on one NDJSON log holding winston lines
// next to audit records: what the app's winston logger wrote with apitrail's NDJSON format, and
// what the `ndjson` logs exporter wrote (audit records, plus the winston records the bridge sent
// through the SDK). The winston lines must not change any answer.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startApp } from '../helpers/app.ts';
import { requirePandas, seedJqAnswers, seedPandasAnalysis, writeApiLog } from '../helpers/seed-doc.ts';

describe("winston lines next to audit records: the seed's jq pipelines and pandas analysis", function () {
  let winstonOutput: string[];
  let exporterOutput: string[];
  let combinedLog: string;
  let auditsOnlyLog: string;

  before(async () => {
    const exporterFile = join(mkdtempSync(join(tmpdir(), 'apitrail-winston-ndjson-')), 'exported.ndjson');
    const key = `pk_${randomBytes(4).toString('hex')}.${randomBytes(24).toString('base64url')}`;
    const app = await startApp({
      script: 'examples/winston/explicit.js',
      loader: 'none',
      env: {
        OTEL_TRACES_EXPORTER: 'none',
        OTEL_LOGS_EXPORTER: 'ndjson',
        APITRAIL_NDJSON_FILE: exporterFile,
        DEMO_API_KEY: key,
      },
    });
    const get = async (authorization: string) => {
      const response = await fetch(`${app.baseUrl}/api/v1/scans`, { headers: { authorization } });
      await response.arrayBuffer();
    };
    for (let i = 0; i < 7; i++) await get(`Bearer ${key}`);
    for (let i = 0; i < 2; i++) await get('Bearer not-the-key');
    await app.stop();
    // winston's lines start with the timestamp, as in the seed; the exporter's list the signed fields in
    // canonical order (packages/integrity/README.md).
    const jsonLines = (text: string, start: string) => text.split('\n').filter((line) => line.startsWith(start));
    winstonOutput = jsonLines(app.stdout(), '{"timestamp"');
    exporterOutput = jsonLines(readFileSync(exporterFile, 'utf8'), '{');
    combinedLog = writeApiLog([...exporterOutput, ...winstonOutput]);
    auditsOnlyLog = writeApiLog(
      exporterOutput.filter((line) => (JSON.parse(line) as { event?: string }).event === 'apitrail.api_request'),
    );
  });

  it('has winston lines in the seed format, with the request context, next to the audit records', () => {
    const lines = winstonOutput.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.every((line) => Object.keys(line).slice(0, 4).join() === 'timestamp,level,message,logger')).to.equal(
      true,
    );
    expect(lines.filter((line) => line.message === 'listing scans')).to.have.length(7);
    expect(lines.filter((line) => line.api_key_id === 'key-demo-1')).to.have.length(14);
    expect(lines.every((line) => typeof line.request_id === 'string' && line.logger === 'app')).to.equal(true);
    const exported = exporterOutput.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(exported.filter((line) => line.event === 'apitrail.api_request')).to.have.length(9);
    expect(exported.filter((line) => line.logger === 'app')).to.have.length(lines.length);
  });

  it('gives the same jq answers as on the audit records alone', () => {
    const expected = seedJqAnswers(dirname(auditsOnlyLog));
    expect(expected[0], 'the audit records alone trip the per-key-IP pipeline').to.include(
      'key-demo-1 used from 7 different IPs',
    );
    expect(seedJqAnswers(dirname(combinedLog))).to.deep.equal(expected);
  });

  it('gives the same pandas answers as on the audit records alone', function () {
    requirePandas(this);
    const expected = seedPandasAnalysis(auditsOnlyLog);
    expect(expected.failed_requests!.length + expected.high_volume_keys!.length, 'something to compare').to.be.above(0);
    expect(seedPandasAnalysis(combinedLog)).to.deep.equal(expected);
  });
});
