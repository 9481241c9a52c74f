// The inputs the microbenchmarks share: a typical audit record (the attribute set the HTTP package
// emits for an API-key request), log bodies of 1 KB and 16 KB with and without secrets, and a real
// SDK log record built from them. Secrets are generated per run, never committed.
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, type Attributes, type Context } from '@opentelemetry/api';
import { LoggerProvider, type LogRecordProcessor, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_API_KEY_NAME,
  ATTR_API_KEY_PREFIX,
  ATTR_AUTH_IS_API_KEY_REQUEST,
  ATTR_AUTH_METHOD,
  ATTR_CLIENT_ADDRESS,
  ATTR_CORRELATION_ID,
  ATTR_EVENT_ACTION,
  ATTR_EVENT_CATEGORY,
  ATTR_EVENT_KIND,
  ATTR_EVENT_OUTCOME,
  ATTR_EVENT_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_REQUEST_DURATION,
  ATTR_TENANT_ID,
  ATTR_URL_PATH,
  ATTR_URL_QUERY,
  ATTR_USER_AGENT_ORIGINAL,
  AUDIT_LOGGER_NAME,
  EVENT_API_REQUEST,
} from '@apitrail/core/internal';
import { AuditRecordPipeline } from '@apitrail/http/internal';
import { summarize, type Measured } from '../lib/stats.ts';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomAlphanumeric(length: number): string {
  return [...randomBytes(length)].map((byte) => ALPHANUMERIC[byte % ALPHANUMERIC.length]).join('');
}

/** Token shapes from REFERENCE.md, with random bodies. */
export function generatedSecrets(): string[] {
  return [
    `ghp_${randomAlphanumeric(36)}`,
    `AKIA${randomAlphanumeric(16)
      .toUpperCase()
      .replace(/[0189]/g, 'Q')}`,
    `Bearer ${randomBytes(24).toString('base64url')}`,
    `pk_${randomAlphanumeric(8)}.${randomAlphanumeric(32)}`,
  ];
}

/** The attributes of one audit record for an API-key request (clean: what redaction mostly sees). */
export function auditAttributes(): Attributes {
  return {
    [ATTR_CORRELATION_ID]: '01936d3f-7c1e-7a2b-9c4d-5e6f7a8b9c0d',
    [ATTR_AUTH_METHOD]: 'api_key',
    [ATTR_AUTH_IS_API_KEY_REQUEST]: true,
    [ATTR_API_KEY_ID]: 'key_7f3a9c',
    [ATTR_API_KEY_NAME]: 'ci-scanner',
    [ATTR_API_KEY_PREFIX]: 'pk_4f9a2b7c',
    [ATTR_API_KEY_FINGERPRINT]: randomBytes(16).toString('hex'),
    [ATTR_TENANT_ID]: 'tenant-acme',
    [ATTR_HTTP_REQUEST_METHOD]: 'GET',
    [ATTR_URL_PATH]: '/api/v1/tenants/acme/scans/42',
    [ATTR_URL_QUERY]: 'provider=aws&page=2&sort=-inserted_at',
    [ATTR_HTTP_ROUTE]: '/api/v1/tenants/:tenant/scans/:scan',
    [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200,
    [ATTR_REQUEST_DURATION]: 0.004213,
    [ATTR_CLIENT_ADDRESS]: '203.0.113.17',
    [ATTR_USER_AGENT_ORIGINAL]: 'prowler-cli/5.9.0 python-requests/2.32.3',
    [ATTR_EVENT_KIND]: 'event',
    [ATTR_EVENT_CATEGORY]: 'web',
    [ATTR_EVENT_TYPE]: 'access',
    [ATTR_EVENT_ACTION]: 'api_request',
    [ATTR_EVENT_OUTCOME]: 'success',
  };
}

/** A log body of about `bytes` characters of ordinary application text, optionally with secrets mixed in. */
export function logBody(bytes: number, withSecrets: boolean): string {
  const words = ['scan', 'finished', 'for', 'provider', 'aws', 'region', 'eu-west-1', 'findings', '17', 'status', 'ok'];
  const secrets = withSecrets ? generatedSecrets() : [];
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < bytes; i += 1) {
    const word =
      withSecrets && i % 40 === 39 ? `token=${secrets[((i / 40) % secrets.length) | 0]}` : words[i % words.length]!;
    parts.push(word);
    length += word.length + 1;
  }
  return parts.join(' ').slice(0, bytes);
}

export const AUDIT_BODY = 'API Request: GET /api/v1/tenants/acme/scans/42 [API Key: ci-scanner]';

/** A function that emits one fresh audit record (`attributes`) through a real SDK LoggerProvider with `processor`. */
export function auditEmitter(processor: LogRecordProcessor, attributes: Attributes = auditAttributes()): () => void {
  const logger = new LoggerProvider({ processors: [processor] }).getLogger(AUDIT_LOGGER_NAME);
  return () =>
    logger.emit({
      eventName: EVENT_API_REQUEST,
      severityText: 'INFO',
      severityNumber: 9,
      body: AUDIT_BODY,
      attributes,
    });
}

/**
 * As {@link auditEmitter}, the way apitrail's register emits its audit record: an AuditLogRecord
 * handed to the processors of the LoggerProvider it built (AuditRecordPipeline), not Logger.emit.
 */
export function auditPipelineEmitter(
  processor: LogRecordProcessor,
  attributes: Attributes = auditAttributes(),
): () => void {
  const processors = [processor];
  const pipeline = AuditRecordPipeline.of(new LoggerProvider({ processors }), processors);
  if (pipeline === undefined) throw new Error('the SDK LoggerProvider was not recognised as apitrail-built');
  const header = { eventName: EVENT_API_REQUEST, severityText: 'INFO', severityNumber: 9, body: AUDIT_BODY };
  const keys = Object.keys(attributes);
  return () => {
    const record = pipeline.record(header, ROOT_CONTEXT)!;
    for (let index = 0; index < keys.length; index++) record.add(keys[index]!, attributes[keys[index]!]!);
    pipeline.emit(record, ROOT_CONTEXT);
  };
}

/** A processor that hands each record, still writable, to `onEmit` (the code under test). */
export function processorOf(onEmit: (record: ReadWriteLogRecord, context?: Context) => void): LogRecordProcessor {
  return { onEmit, forceFlush: () => Promise.resolve(), shutdown: () => Promise.resolve() };
}

/**
 * `work` timed inside the SDK's emit, in the processor chain `emitterOf` builds around it: nanoseconds
 * per record over 11 repetitions of 50,000 emits. For a cost of a fraction of a microsecond, subtract
 * the same empty region (`difference`): the difference of two whole emits would drown it in the
 * emit's own noise. `untimed` runs first, outside the timed region, on every record.
 */
export function timedInsideEmit(
  emitterOf: (processor: LogRecordProcessor) => () => void,
  work: (record: ReadWriteLogRecord, context: Context) => void,
  untimed: (record: ReadWriteLogRecord) => void = () => undefined,
): Measured {
  const samples: number[] = [];
  for (let repetition = 0; repetition < 11; repetition++) {
    let elapsed = 0n;
    let count = 0;
    const emit = emitterOf(
      processorOf((record, context = ROOT_CONTEXT) => {
        untimed(record);
        const start = process.hrtime.bigint();
        work(record, context);
        elapsed += process.hrtime.bigint() - start;
        count++;
      }),
    );
    for (let n = 0; n < 50_000; n++) emit();
    samples.push(Number(elapsed) / count);
  }
  return summarize(samples, 'ns/op', 1);
}

/** One audit record as apitrail's register emits it (an AuditLogRecord), as exporters receive it. */
export function pipelineLogRecord(): ReadWriteLogRecord {
  let captured: ReadWriteLogRecord | undefined;
  auditPipelineEmitter(processorOf((record) => (captured = record)))();
  if (captured === undefined) throw new Error('the pipeline emitted no record');
  return captured;
}

/** One real SDK log record, as exporters receive it. */
export function sdkLogRecord(): ReadWriteLogRecord {
  let captured: ReadWriteLogRecord | undefined;
  auditEmitter(processorOf((record) => (captured = record)))();
  if (captured === undefined) throw new Error('the SDK emitted no record');
  return captured;
}
