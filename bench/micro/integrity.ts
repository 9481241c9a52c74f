// Integrity: ns per record for the chain signer (canonical form + HMAC-SHA256 + chain attributes).
// Signing mutates the record, so every operation emits a fresh SDK record; the figure is the time
// with signing minus the same emit without it (both reported).
import { randomBytes } from 'node:crypto';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_INTEGRITY_MAC } from '@apitrail/core';
import { nsPerOp, report, withPackage } from './harness.ts';
import { auditEmitter, processorOf } from './records.ts';
import { summarize } from '../lib/stats.ts';

type SignerClass = new (key: Buffer) => { sign(record: ReadWriteLogRecord): void };

report({
  integrity: await withPackage('@apitrail/integrity', (module) => {
    const signer = new (module.ChainSigner as SignerClass)(randomBytes(32));
    let last: ReadWriteLogRecord | undefined;
    const signing = auditEmitter(
      processorOf((record) => {
        signer.sign(record);
        last = record;
      }),
    );
    signing();
    if (typeof last?.attributes[ATTR_INTEGRITY_MAC] !== 'string') throw new Error('the signer set no MAC');
    const withSigning = nsPerOp(signing);
    const emitOnly = nsPerOp(auditEmitter(processorOf(() => undefined)));
    const samples = withSigning.samples!.map((ns, i) => ns - (emitOnly.samples![i] ?? emitOnly.value));
    return {
      per_record: { ...summarize(samples, 'ns/op', 1), note: 'emit + sign minus emit alone, per repetition' },
      emit_and_sign: withSigning,
      emit_only: emitOnly,
    };
  }),
});
