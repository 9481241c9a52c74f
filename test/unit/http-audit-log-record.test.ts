// The audit record apitrail emits itself when it built the LoggerProvider (AuditLogRecord through
// AuditRecordPipeline) against the same request emitted through the Logs API (Logger.emit, the
// path inside an app's own SDK): real node:http server, real SDK LoggerProvider, apitrail's own
// processors (request context, enrichment, redaction). What reaches the exporter must be the same:
// attributes and their order, limits, body, severity, span context, resource, scope, NDJSON line.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { context, diag, logs, trace, type DiagLogger } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type LogRecordLimits,
  type LogRecordProcessor,
  type ReadableLogRecord,
} from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { RequestTracker, RequestScopeInstrumentation, RequestContextLogRecordProcessor } from '@apitrail/http';
import { AuditLogRecord, AuditRecordPipeline, useAuditRecordPipeline } from '@apitrail/http/internal';
import { createRequestContextFactory } from '@apitrail/identity';
import { enrichmentProcessors, readEnrichConfig } from '@apitrail/enrich';
import { createRedaction, readRedactionConfig } from '@apitrail/redaction';
import { ndjsonLine, toNdjsonObject } from '@apitrail/export/internal';
import { waitFor } from '../helpers/wait.ts';

const AUDIT_EVENT = 'apitrail.api_request';

interface Pipeline {
  readonly provider: LoggerProvider;
  readonly processors: LogRecordProcessor[];
  readonly exporter: InMemoryLogRecordExporter;
}

function pipeline(logRecordLimits?: LogRecordLimits): Pipeline {
  const exporter = new InMemoryLogRecordExporter();
  const processors: LogRecordProcessor[] = [
    new RequestContextLogRecordProcessor(),
    ...enrichmentProcessors(readEnrichConfig({})),
    createRedaction(readRedactionConfig({})).logRecordProcessor,
    new SimpleLogRecordProcessor({ exporter }),
  ];
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'audit-record-test' }),
    processors,
    ...(logRecordLimits === undefined ? {} : { logRecordLimits }),
  });
  return { provider, processors, exporter };
}

/** One request to a real server whose requests are tracked; the audit record it exported. */
async function auditRecordOf(
  target: Pipeline,
  path: string,
  headers: http.OutgoingHttpHeaders,
): Promise<ReadableLogRecord> {
  logs.disable();
  logs.setGlobalLoggerProvider(target.provider);
  const scope = new RequestScopeInstrumentation({
    tracker: new RequestTracker({ createRequestContext: createRequestContextFactory() }),
  });
  const server = http.createServer((request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve, reject) => {
      http
        .get({ port, path, headers, agent: false }, (response) => {
          response.resume();
          response.on('end', resolve);
        })
        .on('error', reject);
    });
    return await waitFor('the audit record', () =>
      target.exporter.getFinishedLogRecords().find((record) => record.eventName === AUDIT_EVENT),
    );
  } finally {
    scope.disable();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    logs.disable();
  }
}

/** Both paths for one request: through Logger.emit, and through apitrail's own pipeline. */
async function bothPaths(
  path: string,
  headers: http.OutgoingHttpHeaders,
  logRecordLimits?: LogRecordLimits,
): Promise<{ viaLogger: ReadableLogRecord; viaPipeline: ReadableLogRecord }> {
  const viaLogger = await auditRecordOf(pipeline(logRecordLimits), path, headers);
  const own = pipeline(logRecordLimits);
  const built = AuditRecordPipeline.of(own.provider, own.processors);
  if (built === undefined) throw new Error('the pipeline of an SDK LoggerProvider was not recognised');
  const stop = useAuditRecordPipeline(built);
  try {
    return { viaLogger, viaPipeline: await auditRecordOf(own, path, headers) };
  } finally {
    stop();
  }
}

/** Everything an exporter reads, but the clock and the per-request ids (correlation id, duration). */
function exported(record: ReadableLogRecord): object {
  const { 'correlation.id': correlation, 'http.server.request.duration': duration, ...attributes } = record.attributes;
  expect(correlation).to.be.a('string');
  expect(duration).to.be.a('number');
  return {
    keys: Object.keys(record.attributes),
    attributes,
    body: record.body,
    severityNumber: record.severityNumber,
    severityText: record.severityText,
    eventName: record.eventName,
    spanContext: record.spanContext,
    resource: record.resource.attributes,
    scope: record.instrumentationScope,
    droppedAttributesCount: record.droppedAttributesCount,
    observedIsTime: record.hrTimeObserved.length === 2 && record.hrTime.length === 2,
  };
}

function ndjsonWithoutRequestIds(record: ReadableLogRecord): string {
  const { timestamp, request_id: requestId, duration, ...rest } = toNdjsonObject(record);
  expect([timestamp, requestId, duration].every((value) => value !== undefined)).to.equal(true);
  return ndjsonLine(rest);
}

describe('http: the audit record apitrail emits itself (AuditLogRecord)', () => {
  before(() => context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable()));
  after(() => logs.disable());

  it('reaches the exporter exactly as the Logs API path would: attributes in order, redacted, enriched, same NDJSON', async () => {
    // Generated at test time: a GitHub token shape in the query, which redaction must mask on both paths.
    const token = `ghp_${randomBytes(18).toString('hex')}`;
    const path = `/api/v1/scans/42?provider=aws&access_token=${token}&page=2`;
    const headers = { 'user-agent': 'audit-record-test/1', 'x-request-id': 'req-7' };
    const { viaLogger, viaPipeline } = await bothPaths(path, headers);

    expect(viaPipeline).to.be.instanceOf(AuditLogRecord);
    expect(viaLogger).to.not.be.instanceOf(AuditLogRecord);
    expect(exported(viaPipeline)).to.deep.equal(exported(viaLogger));
    expect(ndjsonWithoutRequestIds(viaPipeline)).to.equal(ndjsonWithoutRequestIds(viaLogger));
    // What the comparison covers: redaction and enrichment did change the record.
    expect(String(viaPipeline.attributes['url.query'])).to.not.include(token);
    expect(viaPipeline.attributes).to.have.property('apitrail.client.address_scope', 'loopback');
    expect(viaPipeline.attributes['user_agent.original']).to.equal('audit-record-test/1');
  });

  it('carries the span context of the request it is emitted in', async () => {
    const own = pipeline();
    const built = AuditRecordPipeline.of(own.provider, own.processors)!;
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
    const record = built.record(
      { eventName: AUDIT_EVENT, severityNumber: 9, severityText: 'INFO', body: 'b' },
      trace.setSpanContext(context.active(), spanContext),
    );
    expect(record?.spanContext).to.deep.equal(spanContext);
    const invalid = built.record(
      { eventName: AUDIT_EVENT, severityNumber: 9, severityText: 'INFO', body: 'b' },
      trace.setSpanContext(context.active(), { ...spanContext, traceId: '0'.repeat(32) }),
    );
    expect(invalid?.spanContext).to.equal(undefined);
  });

  it('honours the log-record limits (attribute count, value length) as the SDK applies them', async () => {
    const limits = { attributeCountLimit: 6, attributeValueLengthLimit: 5 };
    const path = '/a-long-path-to-truncate?q=longer-than-five';
    const { viaLogger, viaPipeline } = await bothPaths(path, { 'user-agent': 'agent-longer-than-five' }, limits);
    expect(viaPipeline).to.be.instanceOf(AuditLogRecord);
    expect(Object.keys(viaPipeline.attributes)).to.deep.equal(Object.keys(viaLogger.attributes));
    expect(viaPipeline.attributes).to.deep.equal(viaLogger.attributes);
    expect(viaPipeline.droppedAttributesCount).to.equal(viaLogger.droppedAttributesCount);
    // The limits did bite: six attributes kept, the rest counted as dropped, strings cut to five.
    expect(Object.keys(viaPipeline.attributes)).to.have.length(6);
    expect(viaPipeline.droppedAttributesCount).to.be.greaterThan(5);
    for (const value of Object.values(viaPipeline.attributes)) {
      if (typeof value === 'string') expect(value.length).to.be.at.most(5);
    }
    expect(viaPipeline.attributes['url.path']).to.equal('/a-lo');
  });

  it('keeps the limits for attributes processors add, and refuses changes once emitted', () => {
    const own = pipeline({ attributeCountLimit: 3, attributeValueLengthLimit: 4 });
    const built = AuditRecordPipeline.of(own.provider, own.processors)!;
    const record = built.record(
      { eventName: AUDIT_EVENT, severityNumber: 9, severityText: 'INFO', body: 'b' },
      context.active(),
    )!;
    const warnings: string[] = [];
    const logger: DiagLogger = {
      warn: (message: string) => warnings.push(message),
      error: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    };
    diag.setLogger(logger);
    try {
      record.add('a', 'abcdefgh');
      record.setAttribute('b', 7);
      record.setAttribute('a', 'xyzxyz'); // an existing key: replaced, not counted
      record.setAttribute('c', { nested: 'structured-value' }); // the SDK's own check and copy
      record.setAttribute('d', true); // over the count limit
      record.setAttribute('', 'empty key');
      record.setAttribute('b', undefined);
      expect(record.attributes).to.deep.equal({ a: 'xyzx', b: 7, c: { nested: 'stru' } });
      expect(record.droppedAttributesCount).to.equal(1);
      record.makeReadonly();
      record.setAttribute('a', 'late').setBody('late');
      expect(record.attributes['a']).to.equal('xyzx');
      expect(record.body).to.equal('b');
      expect(warnings).to.include('Can not execute the operation on emitted log record');
    } finally {
      diag.disable();
    }
  });

  it('is used only for the provider built with exactly apitrail’s processors', () => {
    const own = pipeline();
    expect(AuditRecordPipeline.of(own.provider, own.processors)).to.be.instanceOf(AuditRecordPipeline);
    // The same processors in another array: a provider someone else built.
    expect(AuditRecordPipeline.of(own.provider, [...own.processors])).to.equal(undefined);
    expect(AuditRecordPipeline.of(logs.getLoggerProvider(), own.processors)).to.equal(undefined);
  });

  it('emits nothing once its provider has shut down, as Logger.emit does', async () => {
    const own = pipeline();
    const built = AuditRecordPipeline.of(own.provider, own.processors)!;
    const header = { eventName: AUDIT_EVENT, severityNumber: 9, severityText: 'INFO', body: 'b' };
    expect(built.record(header, context.active())).to.be.instanceOf(AuditLogRecord);
    await own.provider.shutdown();
    expect(built.record(header, context.active())).to.equal(undefined);
  });
});
