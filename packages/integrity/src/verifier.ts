import { timingSafeEqual } from 'node:crypto';
import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_CHAIN_ID,
  ATTR_INTEGRITY_FINAL,
  ATTR_INTEGRITY_KEY_ID,
  ATTR_INTEGRITY_MAC,
  ATTR_INTEGRITY_PREVIOUS_MAC,
  ATTR_INTEGRITY_SEQUENCE,
  NDJSON_FIELDS,
} from '@apitrail/core';
import { RecordMac } from './canonical.js';

/** A record as read back from a file: its NDJSON object (see the README for OTLP-JSON). */
export interface ExportedRecord {
  /** `file:line` or `file:line#index`, for the report. */
  readonly location: string;
  /**
   * Records of one ordering unit keep their emit order through any exporter (an NDJSON file per
   * writer, one OTLP `logRecords` array); across units the order means nothing.
   */
  readonly unit: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

export type FindingKind = 'modified' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'wrong_key';

export interface Finding {
  readonly kind: FindingKind;
  readonly chainId?: string;
  readonly location?: string;
  readonly detail: string;
}

export interface ChainSummary {
  readonly chainId: string;
  readonly keyId: string;
  readonly records: number;
  readonly firstSequence: number;
  readonly lastSequence: number;
  readonly closed: boolean;
}

export interface VerifyReport {
  readonly records: number;
  readonly chains: ChainSummary[];
  readonly findings: Finding[];
}

/** A run of consecutive sequence numbers already seen, with the MACs needed to link its neighbours. */
interface Run {
  first: number;
  last: number;
  /** prev_mac of the run's first record, MAC of its last. */
  previousOfFirst: string;
  macOfLast: string;
}

interface Chain {
  readonly keyId: string;
  readonly runs: Run[];
  records: number;
  finalSequence: number | undefined;
  /** Last sequence seen in the current ordering unit. */
  unit: string;
  unitLast: number;
}

function equalMacs(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Verifies integrity chains from records fed in any order across ordering units. Memory grows with
 * the number of chains and of gaps, not of records: each chain is a sorted list of runs of
 * consecutive sequence numbers, merged as the holes fill.
 */
export class ChainVerifier {
  private readonly macs: RecordMac;
  private readonly expectedKeyId: string;
  private readonly chains = new Map<string, Chain>();
  private readonly findings: Finding[] = [];
  private records = 0;

  constructor(key: Buffer) {
    this.macs = new RecordMac(key);
    this.expectedKeyId = this.macs.keyId;
  }

  add(record: ExportedRecord): void {
    this.records++;
    const { fields, location } = record;
    const chainId = fields[ATTR_INTEGRITY_CHAIN_ID];
    const sequence = fields[ATTR_INTEGRITY_SEQUENCE];
    const mac = fields[ATTR_INTEGRITY_MAC];
    const previous = fields[ATTR_INTEGRITY_PREVIOUS_MAC];
    const recordKeyId = fields[ATTR_INTEGRITY_KEY_ID];
    if (
      typeof chainId !== 'string' ||
      typeof mac !== 'string' ||
      typeof previous !== 'string' ||
      typeof recordKeyId !== 'string' ||
      typeof sequence !== 'number' ||
      !Number.isSafeInteger(sequence) ||
      sequence < 1
    ) {
      this.report('inserted', undefined, location, 'record without valid integrity fields');
      return;
    }
    const chain = this.chainFor(chainId, recordKeyId, location);
    if (chain === undefined) return;
    chain.records++;
    if (!equalMacs(mac, this.macs.of(fields))) {
      this.report('modified', chainId, location, `seq ${sequence}: MAC mismatch (record edited, or forged)`);
      return;
    }
    const run = { first: sequence, last: sequence, previousOfFirst: previous, macOfLast: mac };
    if (!this.insert(chain, chainId, run, location)) return;
    if (chain.unit === record.unit && sequence < chain.unitLast) {
      this.report(
        'reordered',
        chainId,
        location,
        `seq ${sequence} comes after seq ${chain.unitLast} in the same batch`,
      );
    }
    chain.unit = record.unit;
    chain.unitLast = sequence;
    if (fields[NDJSON_FIELDS.event] === APITRAIL_EVENTS.integrityCheckpoint && fields[ATTR_INTEGRITY_FINAL] === true) {
      chain.finalSequence = sequence;
    }
  }

  finish(): VerifyReport {
    const chains: ChainSummary[] = [];
    for (const [chainId, chain] of this.chains) {
      const { runs } = chain;
      const first = runs[0];
      const last = runs.at(-1);
      if (first === undefined || last === undefined) {
        chains.push({
          chainId,
          keyId: chain.keyId,
          records: chain.records,
          firstSequence: 0,
          lastSequence: 0,
          closed: false,
        });
        continue;
      }
      if (first.first > 1)
        this.report('deleted', chainId, undefined, `seq 1-${first.first - 1} missing (head of the chain)`);
      for (let index = 1; index < runs.length; index++) {
        const before = runs[index - 1]!;
        const after = runs[index]!;
        this.report('deleted', chainId, undefined, `seq ${before.last + 1}-${after.first - 1} missing`);
      }
      const closed = chain.finalSequence !== undefined && chain.finalSequence === last.last;
      if (chain.finalSequence === undefined) {
        this.report(
          'truncated',
          chainId,
          undefined,
          `no closing checkpoint after seq ${last.last} (tail cut, or the process did not shut down cleanly)`,
        );
      } else if (chain.finalSequence !== last.last) {
        this.report(
          'inserted',
          chainId,
          undefined,
          `seq ${chain.finalSequence + 1}-${last.last} after the closing checkpoint`,
        );
      }
      chains.push({
        chainId,
        keyId: chain.keyId,
        records: chain.records,
        firstSequence: first.first,
        lastSequence: last.last,
        closed,
      });
    }
    // An emptied file, or one whose every chain was removed, must not read as "nothing found".
    if (chains.length === 0)
      this.report(
        'truncated',
        undefined,
        undefined,
        'no signed records: the input is empty or every chain was removed',
      );
    return { records: this.records, chains, findings: this.findings };
  }

  private chainFor(chainId: string, recordKeyId: string, location: string): Chain | undefined {
    const known = this.chains.get(chainId);
    if (known !== undefined) {
      if (known.keyId !== recordKeyId) {
        this.report('modified', chainId, location, `key id ${recordKeyId} differs from the chain's ${known.keyId}`);
        return undefined;
      }
      // A chain under another key was reported once; its records cannot be checked.
      if (known.keyId !== this.expectedKeyId) known.records++;
      return known.keyId === this.expectedKeyId ? known : undefined;
    }
    if (recordKeyId !== this.expectedKeyId) {
      this.report(
        'wrong_key',
        chainId,
        location,
        `chain signed with key id ${recordKeyId}, but the key given has id ${this.expectedKeyId}`,
      );
    }
    const chain: Chain = {
      keyId: recordKeyId,
      runs: [],
      records: recordKeyId === this.expectedKeyId ? 0 : 1,
      finalSequence: undefined,
      unit: '',
      unitLast: 0,
    };
    this.chains.set(chainId, chain);
    return recordKeyId === this.expectedKeyId ? chain : undefined;
  }

  /** Adds the record's run; false (and a finding) when its sequence number was already seen. */
  private insert(chain: Chain, chainId: string, run: Run, location: string): boolean {
    const { runs } = chain;
    // Binary search for the first run that starts after this sequence.
    let low = 0;
    let high = runs.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (runs[middle]!.first <= run.first) low = middle + 1;
      else high = middle;
    }
    const before = runs[low - 1];
    if (before !== undefined && before.last >= run.first) {
      this.report('inserted', chainId, location, `seq ${run.first} appears more than once (duplicate)`);
      return false;
    }
    const after = runs[low];
    const joinsBefore = before !== undefined && before.last + 1 === run.first;
    const joinsAfter = after !== undefined && run.last + 1 === after.first;
    if (joinsBefore) this.checkLink(chainId, before.macOfLast, run.previousOfFirst, run.first, location);
    if (joinsAfter) this.checkLink(chainId, run.macOfLast, after.previousOfFirst, after.first, location);
    if (joinsBefore && joinsAfter) {
      before.last = after.last;
      before.macOfLast = after.macOfLast;
      runs.splice(low, 1);
    } else if (joinsBefore) {
      before.last = run.last;
      before.macOfLast = run.macOfLast;
    } else if (joinsAfter) {
      after.first = run.first;
      after.previousOfFirst = run.previousOfFirst;
    } else {
      runs.splice(low, 0, run);
    }
    if (run.first === 1 && run.previousOfFirst !== '') {
      this.report('modified', chainId, location, 'seq 1 links to a previous record');
    }
    return true;
  }

  private checkLink(chainId: string, mac: string, previous: string, sequence: number, location: string): void {
    if (!equalMacs(mac, previous)) {
      this.report('modified', chainId, location, `seq ${sequence} does not link to seq ${sequence - 1}`);
    }
  }

  private report(kind: FindingKind, chainId: string | undefined, location: string | undefined, detail: string): void {
    this.findings.push({
      kind,
      detail,
      ...(chainId === undefined ? {} : { chainId }),
      ...(location === undefined ? {} : { location }),
    });
  }
}
