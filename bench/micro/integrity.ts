// Integrity: ns per record for the chain signer (canonical form + HMAC-SHA256 + chain attributes).
// Signing mutates the record, so every operation emits a fresh SDK record; the figure is the time
// with signing minus the same emit without it (both reported). The parts of signing are timed on
// their own too, so a missed target points at its hot path: the NDJSON object the MAC covers, its
// canonical JSON, and HMAC-SHA256 through node:crypto's createHmac with the raw key Buffer (as
// signed today), with a KeyObject made once by createSecretKey, and built from two one-shot
// crypto.hash() calls (RFC 2104 with precomputed pads), and the package's own HmacSha256 if exported.
import { createHmac, createSecretKey, hash, randomBytes } from 'node:crypto';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_INTEGRITY_MAC } from '@apitrail/core';
import { nsPerOp, report, withPackage } from './harness.ts';
import { toNdjsonObject } from '@apitrail/export';
import { auditEmitter, processorOf, sdkLogRecord } from './records.ts';
import { summarize } from '../lib/stats.ts';

type SignerClass = new (key: Buffer) => { sign(record: ReadWriteLogRecord): void };
type CanonicalJson = (value: unknown) => string;

const SHA256_BLOCK_BYTES = 64;

/** HMAC-SHA256 (RFC 2104) for a key of at most one block, from one-shot hashes. */
function oneShotHmac(key: Buffer): (message: string) => string {
  const padded = Buffer.alloc(SHA256_BLOCK_BYTES);
  key.copy(padded);
  const inner = Buffer.from(padded.map((byte) => byte ^ 0x36));
  const outer = Buffer.from(padded.map((byte) => byte ^ 0x5c));
  return (message) =>
    hash(
      'sha256',
      Buffer.concat([outer, hash('sha256', Buffer.concat([inner, Buffer.from(message)]), 'buffer')]),
      'hex',
    );
}

function signingParts(module: Record<string, unknown>, key: Buffer) {
  const canonicalJson = module.canonicalJson as CanonicalJson;
  const Hmac = module.HmacSha256 as (new (key: Buffer) => { hex(...parts: string[]): string }) | undefined;
  const readable = sdkLogRecord();
  const record = toNdjsonObject(readable);
  const text = canonicalJson(record);
  const viaHash = oneShotHmac(key);
  const keyObject = createSecretKey(key);
  if (viaHash(text) !== createHmac('sha256', key).update(text).digest('hex')) throw new Error('one-shot HMAC differs');
  return {
    to_ndjson_object: nsPerOp(() => toNdjsonObject(readable)),
    canonical_json: nsPerOp(() => canonicalJson(record)),
    create_hmac: nsPerOp(() => createHmac('sha256', key).update(text).digest('hex')),
    create_hmac_key_object: nsPerOp(() => createHmac('sha256', keyObject).update(text).digest('hex')),
    one_shot_hash_hmac: nsPerOp(() => viaHash(text)),
    ...(Hmac === undefined
      ? {}
      : {
          integrity_hmac_sha256: nsPerOp(
            (
              (mac) => () =>
                mac.hex(text)
            )(new Hmac(key)),
          ),
        }),
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
