// Integrity: ns per record for the chain signer (canonical form + HMAC-SHA256 + chain attributes).
// Signing mutates the record, so every operation emits a fresh SDK record; the figure is the time
// with signing minus the same emit without it (both reported). The parts of signing are timed on
// their own too, so a missed target points at its hot path: the NDJSON object the MAC covers, its
// canonical JSON, the HMAC (core's HmacSha256, and createHmac with a KeyObject, its predecessor, for
// contrast) and the SDK's setAttribute for the five chain attributes (emit with them minus emit alone).
import { createHmac, createSecretKey, randomBytes, randomUUID } from 'node:crypto';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_INTEGRITY_CHAIN_ID,
  ATTR_INTEGRITY_KEY_ID,
  ATTR_INTEGRITY_MAC,
  ATTR_INTEGRITY_PREVIOUS_MAC,
  ATTR_INTEGRITY_SEQUENCE,
  HmacSha256,
} from '@apitrail/core';
import { nsPerOp, report, withPackage } from './harness.ts';
import { toNdjsonObject } from '@apitrail/export';
import { auditEmitter, processorOf, sdkLogRecord } from './records.ts';
import { summarize, type Measured } from '../lib/stats.ts';

type SignerClass = new (key: Buffer) => { sign(record: ReadWriteLogRecord): void };
type CanonicalJson = (value: unknown) => string;

/** Per-repetition difference of two timings of the same emit, with and without the work measured. */
function difference(withWork: Measured, emitOnly: Measured, note: string): Measured {
  const samples = withWork.samples!.map((ns, i) => ns - (emitOnly.samples![i] ?? emitOnly.value));
  return { ...summarize(samples, 'ns/op', 1), note };
}

function signingParts(module: Record<string, unknown>, key: Buffer) {
  const canonicalJson = module.canonicalJson as CanonicalJson;
  const readable = sdkLogRecord();
  const record = toNdjsonObject(readable);
  const text = canonicalJson(record);
  const mac = new HmacSha256(key);
  const keyObject = createSecretKey(key);
  const chainId = randomUUID();
  const previousMac = mac.hex('previous');
  let sequence = 0;
  // Timed next to its own emit-only baseline: the SDK's emit path runs at different speeds before
  // and after signing has exercised it, so a baseline from earlier would skew this small difference.
  const emitOnly = nsPerOp(auditEmitter(processorOf(() => undefined)));
  const withChainAttributes = nsPerOp(
    auditEmitter(
      processorOf((emitted) =>
        emitted
          .setAttribute(ATTR_INTEGRITY_CHAIN_ID, chainId)
          .setAttribute(ATTR_INTEGRITY_SEQUENCE, ++sequence)
          .setAttribute(ATTR_INTEGRITY_PREVIOUS_MAC, previousMac)
          .setAttribute(ATTR_INTEGRITY_KEY_ID, previousMac.slice(0, 16))
          .setAttribute(ATTR_INTEGRITY_MAC, previousMac),
      ),
    ),
  );
  return {
    to_ndjson_object: nsPerOp(() => toNdjsonObject(readable)),
    canonical_json: nsPerOp(() => canonicalJson(record)),
    hmac_sha256: nsPerOp(() => mac.hex(text)),
    create_hmac_key_object: nsPerOp(() => createHmac('sha256', keyObject).update(text).digest('hex')),
    set_chain_attributes: difference(withChainAttributes, emitOnly, 'emit + 5 setAttribute minus emit alone'),
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
    return {
      parts: signingParts(module, key),
      per_record: difference(withSigning, emitOnly, 'emit + sign minus emit alone, per repetition'),
      emit_and_sign: withSigning,
      emit_only: emitOnly,
    };
  }),
});
