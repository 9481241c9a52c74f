// @apitrail/auto wires redaction in by default: the span processor first, the exporters wrapped by
// the backstop, and the log record processor right after the request-context enrichment.
import { expect } from 'chai';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import { apitrailProcessors, readAutoConfig } from '@apitrail/auto';
import { RequestContextLogRecordProcessor } from '@apitrail/http';
import { RedactingLogRecordProcessor, RedactingSpanProcessor } from '@apitrail/redaction';
import { randomString } from '../helpers/redaction-secrets.ts';
import { SourceEnrichmentLogRecordProcessor } from '@apitrail/enrich';

const env = { OTEL_TRACES_EXPORTER: 'console', OTEL_LOGS_EXPORTER: 'console', OTEL_BSP_SCHEDULE_DELAY: '10' };

describe('redaction: wired into apitrailProcessors', () => {
  it('puts the redacting span processor first and the log processor right after enrichment', () => {
    const { spanProcessors, logRecordProcessors } = apitrailProcessors(readAutoConfig(env), env);
    expect(spanProcessors[0]).to.be.instanceOf(RedactingSpanProcessor);
    expect(logRecordProcessors[0]).to.be.instanceOf(RequestContextLogRecordProcessor);
    // Source enrichment (client address → AS, country) adds fields before redaction sees the record.
    expect(logRecordProcessors[1]).to.be.instanceOf(SourceEnrichmentLogRecordProcessor);
    expect(logRecordProcessors[2]).to.be.instanceOf(RedactingLogRecordProcessor);
  });

  it('wraps the span exporters with the backstop: a span the processor never saw leaves redacted', async () => {
    const { spanProcessors } = apitrailProcessors(readAutoConfig(env), env);
    const secret = randomString(32);
    const printed: unknown[] = [];
    const dir = console.dir;
    console.dir = (item: unknown) => void printed.push(item);
    try {
      // Without the redacting processor: only the wrapped exporter stands between the span and output.
      const provider = new TracerProvider({ spanProcessors: spanProcessors.slice(1) });
      provider
        .getTracer('wiring')
        .startSpan('wiring-check', { attributes: { 'app.visible': 'kept', 'db.password': secret } })
        .end();
      await provider.forceFlush();
    } finally {
      console.dir = dir;
    }
    const output = JSON.stringify(printed);
    expect(output).to.include('wiring-check').and.include('kept');
    expect(output).to.not.include(secret);
  });
});
