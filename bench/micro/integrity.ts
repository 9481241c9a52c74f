// Integrity: ns per record for the chain signer (canonical form + HMAC-SHA256 + chain attributes).
// Signing mutates the record, so every operation emits a fresh SDK record; the figure is the time
// with signing minus the same emit without it (both reported). The parts of signing are timed on
// their own too, so a missed target points at its hot path: the NDJSON object the MAC covers, its
// canonical JSON, and the HMAC (core's HmacSha256, and createHmac with a raw key Buffer for contrast).
import { createHmac, randomBytes } from 'node:crypto';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_INTEGRITY_MAC, HmacSha256 } from '@apitrail/core';
import { nsPerOp, report, withPackage } from './harness.ts';
import { toNdjsonObject } from '@apitrail/export';
import { auditEmitter, processorOf, sdkLogRecord } from './records.ts';
import { summarize } from '../lib/stats.ts';

type SignerClass = new (key: Buffer) => { sign(record: ReadWriteLogRecord): void };
type CanonicalJson = (value: unknown) => string;

function signingParts(module: Record<string, unknown>, key: Buffer) {
  const canonicalJson = module.canonicalJson as CanonicalJson;
  const readable = sdkLogRecord();
  const record = toNdjsonObject(readable);
  const text = canonicalJson(record);
  const mac = new HmacSha256(key);
  return {
    to_ndjson_object: nsPerOp(() => toNdjsonObject(readable)),
    canonical_json: nsPerOp(() => canonicalJson(record)),
    // The finding behind HmacSha256: createHmac with a raw key Buffer imports the key on every call.
    create_hmac_raw_key: nsPerOp(() => createHmac('sha256', key).update(text).digest('hex')),
    hmac_sha256: nsPerOp(() => mac.hex(text)),
  };
}

report({
  integrity: await withPackage('@apitrail/integrity', (module) => {
    const key = randomBytes(32);
    const signer = new (module.ChainSigner as SignerClass)(key);
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
      parts: signingParts(module, key),
      per_record: { ...summarize(samples, 'ns/op', 1), note: 'emit + sign minus emit alone, per repetition' },
      emit_and_sign: withSigning,
      emit_only: emitOnly,
    };
  }),
});
