// The OTel log-record limits under the register, where the audit record is apitrail's own
// AuditLogRecord (not Logger.emit): OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT and
// OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT bound what reaches the real collector and the NDJSON line, as
// the SDK bounds its own records. The control run without the variables shows the same request's
// record with more attributes and the full values, so the bounded run cannot pass by accident.
import { expect } from 'chai';
import type { RunningApp } from '../helpers/app.ts';
import type { RunningCollector } from '../helpers/collector.ts';
import { startAppBehindCollector } from '../helpers/app-behind-collector.ts';
import type { ExportedLogRecord } from '../helpers/otlp-json.ts';
import { waitFor } from '../helpers/wait.ts';

const USER_AGENT = 'limits-e2e-client/1.0 (a user agent longer than the limit)';
const COUNT_LIMIT = 5;
const LENGTH_LIMIT = 9;

interface Run {
  readonly atCollector: ExportedLogRecord;
  readonly line: Record<string, unknown>;
  /** The register's debug line saying the audit record goes straight to its own LoggerProvider. */
  readonly ownPipeline: boolean;
}

async function auditRecordOf(context: Mocha.Context, env: Record<string, string>): Promise<Run> {
  let collector: RunningCollector | undefined;
  let app: RunningApp | undefined;
  try {
    ({ collector, app } = await startAppBehindCollector(context, {
      serviceName: 'audit-record-limits-e2e',
      logsExporters: 'otlp,ndjson',
      env: { OTEL_TRACES_EXPORTER: 'none', OTEL_LOG_LEVEL: 'debug', ...env },
    }));
    const response = await fetch(`${app.baseUrl}/api/v1/scans?provider=aws&region=eu-west-1`, {
      headers: { 'user-agent': USER_AGENT },
    });
    expect(response.status).to.equal(200);
    await app.stop();
    const running = collector;
    const atCollector = await waitFor('the audit record at the collector', async () =>
      (await running.logs()).find((record) => record.eventName === 'apitrail.api_request'),
    );
    const line = app.jsonLines().find((object) => object.event === 'apitrail.api_request');
    if (line === undefined) throw new Error(`no NDJSON audit record; stderr: ${app.stderr()}`);
    // The register writes OTel's diagnostics (debug lines included) to stderr.
    const ownPipeline = app
      .stderr()
      .includes('audit records are emitted straight to the LoggerProvider apitrail built');
    return { atCollector, line, ownPipeline };
  } finally {
    await app?.stop();
    await collector?.stop();
  }
}

describe('the audit record under the OTel log-record limits (register, real collector)', function () {
  let bounded: Run;
  let unbounded: Run;

  before(async function () {
    bounded = await auditRecordOf(this, {
      OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT: String(COUNT_LIMIT),
      OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT: String(LENGTH_LIMIT),
    });
    unbounded = await auditRecordOf(this, {});
  });

  it('keeps at most the configured number of attributes, each string cut to the configured length', () => {
    expect(bounded.ownPipeline, 'the register emitted through its own pipeline').to.equal(true);
    const attributes = bounded.atCollector.attributes;
    expect(Object.keys(attributes)).to.have.length(COUNT_LIMIT);
    for (const value of Object.values(attributes)) {
      if (typeof value === 'string') expect(value.length).to.be.at.most(LENGTH_LIMIT);
    }
    // The first attributes apitrail builds are kept, as the SDK keeps the first ones added.
    expect(Object.keys(attributes)).to.deep.equal(Object.keys(unbounded.atCollector.attributes).slice(0, COUNT_LIMIT));
  });

  it('writes the same bounded record to the NDJSON line', () => {
    const fields = ['timestamp', 'level', 'message', 'logger', 'event', 'trace_id', 'span_id', 'trace_flags'];
    const attributeFields = Object.keys(bounded.line).filter((key) => !fields.includes(key));
    expect(attributeFields).to.have.length(COUNT_LIMIT);
    expect(bounded.line).to.not.have.property('user_agent');
    expect(bounded.line.message).to.equal('API Request: GET /api/v1/scans');
  });

  it('control: without the variables the same request has every attribute and full values', () => {
    const attributes = unbounded.atCollector.attributes;
    expect(Object.keys(attributes).length).to.be.greaterThan(COUNT_LIMIT + 5);
    expect(attributes['user_agent.original']).to.equal(USER_AGENT);
    expect(unbounded.line.user_agent).to.equal(USER_AGENT);
  });
});
