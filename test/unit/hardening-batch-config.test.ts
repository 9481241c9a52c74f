import { expect } from 'chai';
import { readAutoConfig } from '@apitrail/auto';
import { ApitrailConfigError } from '@apitrail/core';

describe('batch processor settings from OTEL_BLRP_* / OTEL_BSP_*', () => {
  it('reads the queue caps the SDK would, since apitrail builds its own processors', () => {
    const config = readAutoConfig({ OTEL_BLRP_MAX_QUEUE_SIZE: '77', OTEL_BSP_SCHEDULE_DELAY: '9' });
    expect(config.logBatch).to.deep.equal({
      maxQueueSize: 77,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 1000,
      exportTimeoutMillis: 30000,
    });
    expect(config.spanBatch.scheduledDelayMillis).to.equal(9);
    expect(config.spanBatch.maxQueueSize).to.equal(2048);
  });

  for (const [variable, value] of [
    ['OTEL_BLRP_MAX_QUEUE_SIZE', '0'],
    ['OTEL_BSP_MAX_QUEUE_SIZE', 'lots'],
    ['OTEL_BLRP_EXPORT_TIMEOUT', '-1'],
    ['APITRAIL_DROP_REPORT_INTERVAL_MS', '1.5'],
  ] as const) {
    it(`refuses ${variable}=${value} and names the variable`, () => {
      expect(() => readAutoConfig({ [variable]: value }))
        .to.throw(ApitrailConfigError)
        .with.property('setting', variable);
    });
  }
});
