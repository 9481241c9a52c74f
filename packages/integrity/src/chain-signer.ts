import { randomUUID } from 'node:crypto';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import {
  ATTR_INTEGRITY_CHAIN_ID,
  ATTR_INTEGRITY_KEY_ID,
  ATTR_INTEGRITY_MAC,
  ATTR_INTEGRITY_PREVIOUS_MAC,
  ATTR_INTEGRITY_SEQUENCE,
} from '@apitrail/core';
import { toNdjsonObject } from '@apitrail/export';
import { RecordMac } from './canonical.js';

/**
 * One process's chain: each record gets the chain id, the next sequence number (from 1), the
 * previous record's MAC and its own MAC over everything else. Signing is synchronous and
 * in emit order, so sequence order is the order records reach the exporters.
 */
export class ChainSigner {
  readonly chainId = randomUUID();
  readonly keyId: string;
  private readonly macs: RecordMac;
  private sequence = 0;
  private previousMac = '';

  constructor(key: Buffer) {
    this.macs = new RecordMac(key);
    this.keyId = this.macs.keyId;
  }

  /** Records signed so far (the last sequence number). */
  get signed(): number {
    return this.sequence;
  }

  sign(record: ReadWriteLogRecord): void {
    const sequence = this.sequence + 1;
    record
      .setAttribute(ATTR_INTEGRITY_CHAIN_ID, this.chainId)
      .setAttribute(ATTR_INTEGRITY_SEQUENCE, sequence)
      .setAttribute(ATTR_INTEGRITY_PREVIOUS_MAC, this.previousMac)
      .setAttribute(ATTR_INTEGRITY_KEY_ID, this.keyId);
    // The MAC covers the record as it will be exported, chain attributes included, converted once.
    // Adding them to the NDJSON object instead would turn it into a slow dictionary (V8 allows few
    // properties added after creation), which costs the canonical form more than the conversion saves.
    const mac = this.macs.of(toNdjsonObject(record));
    record.setAttribute(ATTR_INTEGRITY_MAC, mac);
    this.sequence = sequence;
    this.previousMac = mac;
    withFastAttributes(record);
  }
}

/**
 * The SDK adds every attribute to one object by computed key, and V8 turns such an object into a
 * slow dictionary at its 20th property: the chain attributes take an HTTP audit record (15) past
 * it, and the exporter then reads a dictionary (the OTLP serializer walks the attributes with
 * for-in twice per record, sizing then writing). A spread copy holds the same members in V8's fast
 * layout, shared by every record of the same keys. Reflect.set, not assignment: should an SDK make
 * `attributes` read-only, the record keeps its (signed) object instead of failing after signing.
 */
function withFastAttributes(record: ReadWriteLogRecord): void {
  Reflect.set(record, 'attributes', { ...record.attributes });
}
