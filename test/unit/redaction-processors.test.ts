// The processors and the exporter backstop on the real OpenTelemetry SDK: every place a span or a
// log record carries text is redacted before an exporter sees it.
import { expect } from 'chai';
import { ROOT_CONTEXT, SpanStatusCode, trace, type Attributes } from '@opentelemetry/api';
import { ExportResultCode, TraceState, type ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
  type ReadWriteLogRecord,
} from '@opentelemetry/sdk-logs';
import {
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import {
  ATTR_REDACTION_MASKED_KEYS,
  ATTR_REDACTION_REDACTED_COUNT,
  ATTR_REDACTION_REDACTED_KEYS,
  ATTR_URL_FULL,
  ATTR_URL_QUERY,
} from '@apitrail/core/internal';
import {
  createRedactor,
  readRedactionConfig,
  RedactingLogRecordProcessor,
  RedactingSpanExporter,
  RedactingSpanProcessor,
  REDACTED,
  type Redactor,
} from '@apitrail/redaction';
import { generatedSecrets, leakedSecrets, randomString, type GeneratedSecret } from '../helpers/redaction-secrets.ts';

const SERVER = 1;

/** Writes `secrets` into every text-bearing part of a span, some at start and some later. */
function recordSecretSpan(provider: TracerProvider, secrets: GeneratedSecret[]): void {
  const tracer = provider.getTracer('redaction-test');
  const other = tracer.startSpan('other');
  const text = (index: number): string => secrets[index % secrets.length]!.text;
  const span = tracer.startSpan(`GET /users/${text(0)}`, {
    kind: SERVER,
    attributes: {
      [ATTR_URL_QUERY]: `api_key=${randomString(20)}&q=${encodeURIComponent(text(1))}`,
      [ATTR_URL_FULL]: `https://api.example.test/x?token=${randomString(20)}&${text(2)}`,
    },
    links: [{ context: other.spanContext(), attributes: { note: text(3) } }],
  });
  span.setAttribute('http.request.header.authorization', [text(4)]);
  span.setAttribute('http.request.header.x-api-key', [randomString(32)]);
  span.setAttribute('user_agent.original', `curl/8.0 ${text(5)}`);
  for (let index = 6; index < secrets.length; index++) span.addEvent(`step ${text(index)}`, { detail: text(index) });
  span.recordException(new Error(`upstream refused ${text(7)}`));
  span.addLink({ context: other.spanContext(), attributes: { reason: text(8) } });
  span.setStatus({ code: SpanStatusCode.ERROR, message: `failed: ${text(9)}` });
  span.end();
  other.end();
}

function serialized(spans: ReadableSpan[]): string {
  return JSON.stringify(
    spans.map((span) => ({
      name: span.name,
      attributes: span.attributes,
      events: span.events,
      links: span.links.map((link) => link.attributes),
      status: span.status,
    })),
  );
}

/** Records what the next processor sees at onStart, before the span's later changes. */
class StartSnapshot implements SpanProcessor {
  readonly seen: Attributes[] = [];
  onStart(span: Span): void {
    this.seen.push({ ...span.attributes, name: span.name });
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function throwingRedactor(): Redactor {
  const fail = (): never => {
    throw new Error('redactor broke');
  };
  return { mode: 'redact', redactText: fail, redactAttributes: fail, redactValue: fail };
}

describe('redaction: RedactingSpanProcessor on the SDK', () => {
  it('redacts span name, attributes (at start and later), events, exception events, links and status', async () => {
    const secrets = generatedSecrets();
    const exporter = new InMemorySpanExporter();
    const snapshot = new StartSnapshot();
    const provider = new TracerProvider({
      spanProcessors: [
        new RedactingSpanProcessor(createRedactor(), { summary: true }),
        snapshot,
        new SimpleSpanProcessor({ exporter }),
      ],
    });
    recordSecretSpan(provider, secrets);
    await provider.forceFlush();
    const spans = exporter.getFinishedSpans();
    expect(spans).to.have.length(2);
    expect(leakedSecrets(serialized(spans), secrets)).to.deep.equal([]);
    expect(leakedSecrets(JSON.stringify(snapshot.seen), secrets), 'visible to later processors at start').to.deep.equal(
      [],
    );
    const server = spans.find((span) => span.kind === SERVER)!;
    expect(server.attributes['http.request.header.authorization']).to.deep.equal([REDACTED]);
    expect(server.attributes[ATTR_URL_QUERY]).to.match(/^api_key=\[REDACTED\]&q=/);
    expect(server.events.map((event) => event.name)).to.include('exception');
    expect(server.attributes[ATTR_REDACTION_REDACTED_KEYS]).to.equal(
      'http.request.header.authorization,http.request.header.x-api-key',
    );
    expect(server.attributes[ATTR_REDACTION_REDACTED_COUNT]).to.equal(2);
    expect(server.attributes[ATTR_REDACTION_MASKED_KEYS]).to.include(ATTR_URL_QUERY);
    await provider.shutdown();
  });

  it('adds no summary attributes to a clean span', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [
        new RedactingSpanProcessor(createRedactor(), { summary: true }),
        new SimpleSpanProcessor({ exporter }),
      ],
    });
    provider
      .getTracer('t')
      .startSpan('GET /api/v1/scans', { attributes: { [ATTR_URL_QUERY]: 'limit=10' } })
      .end();
    await provider.forceFlush();
    expect(exporter.getFinishedSpans()[0]!.attributes).to.deep.equal({ [ATTR_URL_QUERY]: 'limit=10' });
  });
});

describe('redaction: each pass over a span sees what changed since the one before', () => {
  /** Sets `key` on every span as it ends, after the redacting processor's last look at it. */
  class LateWriter implements SpanProcessor {
    private readonly key: string;
    private readonly value: string;
    constructor(key: string, value: string) {
      this.key = key;
      this.value = value;
    }
    onStart(): void {}
    onEnd(span: ReadableSpan): void {
      // Straight into the SDK's attributes object: an ended span refuses setAttribute.
      (span.attributes as Attributes)[this.key] = this.value;
    }
    forceFlush(): Promise<void> {
      return Promise.resolve();
    }
    shutdown(): Promise<void> {
      return Promise.resolve();
    }
  }

  it('redacts a secret written at the end under a key that was clean at the start', async () => {
    const [secret] = generatedSecrets();
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [new RedactingSpanProcessor(createRedactor()), new SimpleSpanProcessor({ exporter })],
    });
    const span = provider.getTracer('t').startSpan('GET /', { attributes: { 'app.note': 'retrying upstream' } });
    span.setAttribute('app.note', `retrying ${secret!.text}`);
    span.end();
    await provider.forceFlush();
    expect(leakedSecrets(serialized(exporter.getFinishedSpans()), [secret!])).to.deep.equal([]);
    expect(exporter.getFinishedSpans()[0]!.attributes['app.note']).to.equal(`retrying ${REDACTED}`);
  });

  it("the backstop redacts a value changed after the processor's last pass", async () => {
    const [secret] = generatedSecrets();
    const redactor = createRedactor();
    const inner = new InMemorySpanExporter();
    const raw = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [
        new RedactingSpanProcessor(redactor),
        new LateWriter('app.note', `late ${secret!.text}`),
        new SimpleSpanProcessor({ exporter: raw }),
        new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(inner, redactor) }),
      ],
    });
    provider
      .getTracer('t')
      .startSpan('GET /', { attributes: { 'app.note': 'clean at the start' } })
      .end();
    await provider.forceFlush();
    // Control: the span the SDK holds does carry the secret, written after the processor's pass.
    expect(leakedSecrets(serialized(raw.getFinishedSpans()), [secret!])).to.have.length.above(0);
    expect(leakedSecrets(serialized(inner.getFinishedSpans()), [secret!])).to.deep.equal([]);
  });

  it('the backstop applies its own rules to what the processor found clean', async () => {
    const note = `ref ACME-${randomString(6, '0123456789')}`;
    const inner = new InMemorySpanExporter();
    const strict = createRedactor(readRedactionConfig({ APITRAIL_REDACT_PATTERNS: 'ACME-[0-9]{6}' }));
    const provider = new TracerProvider({
      spanProcessors: [
        new RedactingSpanProcessor(createRedactor()),
        new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(inner, strict) }),
      ],
    });
    provider
      .getTracer('t')
      .startSpan('GET /', { attributes: { 'app.note': note } })
      .end();
    await provider.forceFlush();
    expect(inner.getFinishedSpans()[0]!.attributes['app.note']).to.equal(`ref ${REDACTED}`);
  });
});

describe('redaction: RedactingSpanExporter (backstop)', () => {
  it('redacts spans that no redacting processor touched, without mutating them', async () => {
    const secrets = generatedSecrets();
    const inner = new InMemorySpanExporter();
    const raw = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [
        new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(inner, createRedactor()) }),
        new SimpleSpanProcessor({ exporter: raw }),
      ],
    });
    recordSecretSpan(provider, secrets);
    await provider.forceFlush();
    expect(inner.getFinishedSpans()).to.have.length(2);
    expect(leakedSecrets(serialized(inner.getFinishedSpans()), secrets)).to.deep.equal([]);
    expect(leakedSecrets(serialized(raw.getFinishedSpans()), secrets), 'the SDK span itself').to.have.length.above(5);
    const redacted = inner.getFinishedSpans().find((span) => span.kind === SERVER)!;
    expect(redacted.spanContext().traceId).to.match(/^[0-9a-f]{32}$/);
    expect(redacted.duration).to.deep.equal(raw.getFinishedSpans().find((span) => span.kind === SERVER)!.duration);
  });

  it('fails the export, sending nothing, when redaction itself fails', async () => {
    const inner = new InMemorySpanExporter();
    const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: inner })] });
    provider.getTracer('t').startSpan('s').end();
    const [span] = inner.getFinishedSpans();
    inner.reset();
    const result = await new Promise<ExportResult>((resolve) =>
      new RedactingSpanExporter(inner, throwingRedactor()).export([span!], resolve),
    );
    expect(result.code).to.equal(ExportResultCode.FAILED);
    expect(inner.getFinishedSpans()).to.have.length(0);
  });
});

describe('redaction: RedactingLogRecordProcessor on the SDK', () => {
  it('redacts bodies (strings and nested maps) and attributes (nested), before exporting processors', async () => {
    const secrets = generatedSecrets();
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [
        new RedactingLogRecordProcessor(createRedactor(), { summary: true }),
        new SimpleLogRecordProcessor({ exporter }),
      ],
    });
    const logger = provider.getLogger('redaction-test');
    for (const secret of secrets) {
      logger.emit({ body: `connecting with ${secret.text}`, attributes: { 'app.note': `seen ${secret.text}` } });
      logger.emit({
        body: { event: 'login', request: { headers: { cookie: secret.text }, detail: [`x ${secret.text}`] } },
        attributes: { 'app.context': { user: 'bob', credentials: { apiKey: secret.text } } },
      });
    }
    logger.emit({ body: 'GET /api/v1/scans', attributes: { 'app.count': 3 } });
    await provider.forceFlush();
    const records = exporter.getFinishedLogRecords();
    expect(records).to.have.length(secrets.length * 2 + 1);
    const output = JSON.stringify(records.map((record) => ({ body: record.body, attributes: record.attributes })));
    expect(leakedSecrets(output, secrets)).to.deep.equal([]);
    expect(records[1]!.body).to.deep.include({ event: 'login' });
    expect(records[1]!.attributes[ATTR_REDACTION_REDACTED_KEYS]).to.equal('app.context,body');
    expect(records.at(-1)!.body).to.equal('GET /api/v1/scans');
    expect(records.at(-1)!.attributes).to.deep.equal({ 'app.count': 3 });
    await provider.shutdown();
  });

  it('fails closed: if redaction fails, the body and string attributes are replaced', async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [new RedactingLogRecordProcessor(throwingRedactor()), new SimpleLogRecordProcessor({ exporter })],
    });
    provider.getLogger('t').emit({ body: 'anything', attributes: { a: 'text', n: 1 } });
    await provider.forceFlush();
    const [record] = exporter.getFinishedLogRecords();
    expect(record!.body).to.equal(REDACTED);
    expect(record!.attributes).to.deep.equal({ a: REDACTED, n: 1 });
  });
});

describe('redaction: resource attributes', () => {
  const secretResource = (secret: string) =>
    resourceFromAttributes({
      'service.name': 'resource-test',
      'process.command_args': ['node', 'app.js', `--api-key=${secret}`, '--port=3000'],
    });

  it('redacts a secret in process.command_args once, for spans and log records alike', async () => {
    const secret = randomString(32);
    const spans = new InMemorySpanExporter();
    const tracing = new TracerProvider({
      resource: secretResource(secret),
      spanProcessors: [new RedactingSpanProcessor(createRedactor()), new SimpleSpanProcessor({ exporter: spans })],
    });
    tracing.getTracer('t').startSpan('s').end();
    const records = new InMemoryLogRecordExporter();
    const logging = new LoggerProvider({
      resource: secretResource(secret),
      processors: [
        new RedactingLogRecordProcessor(createRedactor()),
        new SimpleLogRecordProcessor({ exporter: records }),
      ],
    });
    logging.getLogger('t').emit({ body: 'hello' });
    await Promise.all([tracing.forceFlush(), logging.forceFlush()]);
    for (const resource of [spans.getFinishedSpans()[0]!.resource, records.getFinishedLogRecords()[0]!.resource]) {
      expect(resource.attributes['process.command_args']).to.deep.equal([
        'node',
        'app.js',
        `--api-key=${REDACTED}`,
        '--port=3000',
      ]);
      expect(resource.attributes['service.name']).to.equal('resource-test');
    }
  });

  it('redacts a resource whose detectors have not answered yet, the attributes they resolve to included', async () => {
    // No exporter has waited for the detectors when the first record is emitted; the first export
    // waits for them (as the SDK's processors and the spool do), then reads the attributes.
    const [known, resolved] = [randomString(32), randomString(32)];
    const asKey = generatedSecrets()[0]!.text;
    let settle: (value: string) => void = () => undefined;
    const resource = resourceFromAttributes({
      'service.name': 'resource-test',
      [asKey]: 'filed under a token',
      'process.command_args': ['node', 'app.js', `--api-key=${known}`],
      'deployment.password': new Promise<string>((resolve) => (settle = resolve)),
    });
    const taken: ReadWriteLogRecord[] = [];
    const logging = new LoggerProvider({
      resource,
      processors: [
        new RedactingLogRecordProcessor(createRedactor()),
        { onEmit: (record) => void taken.push(record), forceFlush: async () => {}, shutdown: async () => {} },
      ],
    });
    logging.getLogger('t').emit({ body: 'early' });
    expect(taken[0]!.resource.asyncAttributesPending).to.equal(true);
    settle(resolved);
    await taken[0]!.resource.waitForAsyncAttributes?.();
    const exported = JSON.stringify(taken[0]!.resource.attributes);
    expect(exported).to.not.include(known);
    expect(exported).to.not.include(resolved);
    expect(exported).to.not.include(asKey);
    expect(taken[0]!.resource.attributes[REDACTED], 'the key masked, not dropped').to.equal(REDACTED);
    expect(taken[0]!.resource.attributes).to.deep.include({
      'service.name': 'resource-test',
      'deployment.password': REDACTED,
    });
    // Control: the same resource without the processor keeps both secrets.
    const [controlKnown, controlResolved] = [randomString(32), randomString(32)];
    const control = resourceFromAttributes({
      'process.command_args': [`--api-key=${controlKnown}`],
      'deployment.password': Promise.resolve(controlResolved),
    });
    await control.waitForAsyncAttributes?.();
    expect(JSON.stringify(control.attributes)).to.include(controlKnown).and.to.include(controlResolved);
  });

  it('redacts a detector value that a wait begun before the first record writes back', async () => {
    // A span exporter already waiting for the detectors when the first log record is emitted: the
    // SDK's wait then writes the value it awaited into the resource's list after the redaction.
    const resolved = randomString(32);
    let settle: (value: string) => void = () => undefined;
    const resource = resourceFromAttributes({
      'service.name': 'resource-test',
      'deployment.password': new Promise<string>((resolve) => (settle = resolve)),
    });
    const waiting = resource.waitForAsyncAttributes?.();
    const logging = new LoggerProvider({ resource, processors: [new RedactingLogRecordProcessor(createRedactor())] });
    logging.getLogger('t').emit({ body: 'early' });
    settle(resolved);
    await waiting;
    expect(resource.asyncAttributesPending).to.equal(false);
    expect(resource.attributes['deployment.password']).to.equal(REDACTED);
    expect(resource.attributes['service.name']).to.equal('resource-test');
  });

  it('the exporter backstop redacts the resource too', async () => {
    const secret = randomString(32);
    const inner = new InMemorySpanExporter();
    const provider = new TracerProvider({
      resource: secretResource(secret),
      spanProcessors: [new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(inner, createRedactor()) })],
    });
    provider.getTracer('t').startSpan('s').end();
    await provider.forceFlush();
    expect(JSON.stringify(inner.getFinishedSpans()[0]!.resource.attributes)).to.not.include(secret);
  });
});

describe('redaction: the positions around the values (keys, scope, event name, severity, trace state)', () => {
  /** Everything an exporter could write of a span: its context's trace state and its scope too. */
  const exportedSpan = (span: ReadableSpan): string =>
    JSON.stringify({
      name: span.name,
      attributes: span.attributes,
      events: span.events,
      links: span.links.map((link) => ({
        attributes: link.attributes,
        traceState: link.context.traceState?.serialize(),
      })),
      traceState: span.spanContext().traceState?.serialize(),
      scope: span.instrumentationScope,
    });
  const exportedRecord = (record: ReadWriteLogRecord): string =>
    JSON.stringify({
      eventName: record.eventName,
      severityText: record.severityText,
      attributes: record.attributes,
      body: record.body,
      scope: record.instrumentationScope,
    });

  it('log records: a secret as an attribute or map key, in the scope, the event name or the severity text', () => {
    const secrets = generatedSecrets();
    const text = (index: number): string => secrets[index % secrets.length]!.text;
    const taken: ReadWriteLogRecord[] = [];
    const take = {
      onEmit: (record: ReadWriteLogRecord) => void taken.push(record),
      forceFlush: async () => {},
      shutdown: async () => {},
    };
    const emitAll = (
      processors: {
        onEmit(record: ReadWriteLogRecord): void;
        forceFlush(): Promise<void>;
        shutdown(): Promise<void>;
      }[],
    ) => {
      const provider = new LoggerProvider({ processors });
      provider.getLogger(`lib ${text(0)}`, text(1), { schemaUrl: `https://schemas.example.test/${text(2)}` }).emit({
        eventName: `app.${text(3)}`,
        severityText: `WARN ${text(4)}`,
        body: { nested: { [text(5)]: 'value', clean: 'kept' } },
        attributes: { [text(6)]: 'under a secret key', [`flag ${text(7)}`]: true, 'app.clean': 'kept' },
      });
    };
    // Control: without the processor every one of them reaches the exporter.
    emitAll([take]);
    expect(leakedSecrets(exportedRecord(taken[0]!), secrets.slice(0, 8))).to.have.length(8);
    taken.length = 0;
    emitAll([new RedactingLogRecordProcessor(createRedactor()), take]);
    const [record] = taken;
    expect(leakedSecrets(exportedRecord(record!), secrets)).to.deep.equal([]);
    expect(record!.attributes['app.clean']).to.equal('kept');
    expect(record!.attributes[REDACTED]).to.equal(REDACTED);
    expect((record!.body as { nested: Record<string, unknown> }).nested.clean).to.equal('kept');
  });

  it('spans: a secret as a key (span, event and link attributes), in the scope and in a trace state', async () => {
    const secrets = generatedSecrets();
    const text = (index: number): string => secrets[index % secrets.length]!.text;
    // A vendor entry as a caller's tracestate header can carry it: a format whose text a trace state can hold.
    const vendor = secrets.find((secret) => /^[\x21-\x2b\x2d-\x3c\x3e-\x7e]{1,200}$/.test(secret.text))!;
    const run = async (redact: boolean): Promise<ReadableSpan[]> => {
      const exporter = new InMemorySpanExporter();
      const redactor = createRedactor();
      const provider = new TracerProvider({
        spanProcessors: redact
          ? [
              new RedactingSpanProcessor(redactor),
              new SimpleSpanProcessor({ exporter: new RedactingSpanExporter(exporter, redactor) }),
            ]
          : [new SimpleSpanProcessor({ exporter })],
      });
      const tracer = provider.getTracer(`lib ${text(0)}`, text(1));
      const caller = {
        ...tracer.startSpan('caller').spanContext(),
        isRemote: true,
        traceState: new TraceState(`vendor=${vendor.text}`),
      };
      const span = tracer.startSpan(
        'GET /',
        {
          attributes: { [text(3)]: 'x', 'app.clean': 'kept' },
          links: [{ context: caller, attributes: { [text(4)]: 1 } }],
        },
        trace.setSpanContext(ROOT_CONTEXT, caller),
      );
      span.addEvent('step', { [text(5)]: 'y' });
      span.end();
      await provider.forceFlush();
      return exporter.getFinishedSpans();
    };
    const checked = [...secrets.slice(0, 6).filter((_, index) => index !== 2), vendor];
    // Control: unredacted, the span carries every one of them.
    expect(leakedSecrets(exportedSpan((await run(false))[0]!), checked)).to.have.length(checked.length);
    const [span] = await run(true);
    expect(leakedSecrets(exportedSpan(span!), secrets)).to.deep.equal([]);
    expect(span!.spanContext().traceState, 'the trace state with a secret is dropped').to.equal(undefined);
    expect(span!.attributes['app.clean']).to.equal('kept');
  });
});
