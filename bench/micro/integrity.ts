// Integrity, per record, in its three places:
// - request_path: what onEmit adds on the request path (the log id and seq attributes, a queued
//   reference): MerkleLog.append timed inside the SDK's emit, minus the same empty timed region
//   (the difference of two whole emits drowns a fraction of a microsecond in the emit's noise);
// - sealing: what the export path does per record, off the request path: the canonical entry cut
//   from the record's NDJSON text (projected and serialised once per record for every reader: the
//   NDJSON exporter writes the same text), the SHA-256 leaf and the tree append, with its parts;
//   and sealing_with_projection, building that projection and text too, which integrity pays alone
//   when no NDJSON exporter shares them (OTLP export only); plus the cost of one signed checkpoint
//   (made at most once a second, not per record);
// - verify: `apitrail verify` end to end (verifyFiles over a file of a signed log: reading,
//   decoding, verifying) with the default worker threads, the command as users run it, and in the
//   main thread alone, with the main thread's CPU per record; records per second of LogVerifier in
//   one thread over NDJSON lines of a real signed log (JSON.parse included); and one proof
//   bundle's verification.
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type * as Integrity from '@apitrail/integrity/internal';
import { ATTR_INTEGRITY_LOG_ID, ATTR_INTEGRITY_SEQUENCE } from '@apitrail/core/internal';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyFiles } from '@apitrail/cli';
import { defaultVerifyWorkers } from '@apitrail/cli/internal';
import { toNdjsonObject } from '@apitrail/export';
import { ndjsonText } from '@apitrail/export/internal';
import { difference, nsPerOp, perSecond, quick, report, withPackage } from './harness.ts';
import { auditEmitter, processorOf, sdkLogRecord, timedInsideEmit } from './records.ts';
import { summarize, type Measured } from '../lib/stats.ts';

/** Records in the verified log: enough for a deep tree and many checkpoints. */
const VERIFIED_RECORDS = 20_000;
/**
 * Records in the file `apitrail verify` reads, quick runs included: audit logs run to millions of
 * records, and on a file this size (about 190 MB, a second or two) the worker threads' start-up
 * (about 60 ms) weighs as little as on a real log, where on 40,000 records it was a fifth of the time.
 */
const VERIFIED_FILE_RECORDS = 200_000;
const CHECKPOINT_EVERY = 500;

function scaled(figure: Measured, divisor: number, note: string): Measured {
  return {
    ...summarize(
      (figure.samples ?? [figure.value]).map((ns) => ns / divisor),
      'ns/op',
      1,
    ),
    note,
  };
}

/** NDJSON lines of a signed log of `count` records with a checkpoint every CHECKPOINT_EVERY. */
function signedLog(
  module: typeof Integrity,
  root: Integrity.Signer,
  count: number,
): { lines: string[]; bundle: unknown } {
  const log = new module.MerkleLog({ rootKey: module.Signer.parse(root.skey), epochMs: 3_600_000 });
  const lines: string[] = [];
  const leaves: Buffer[] = [];
  let lastCheckpoint = '';
  let proved: Record<string, unknown> | undefined;
  const emit = auditEmitter(
    processorOf((record) => {
      log.append(record);
      log.seal();
      const fields = toNdjsonObject(record);
      lines.push(JSON.stringify(fields));
      leaves.push(module.leafHash(module.canonicalEntry(fields)));
      if (leaves.length === count / 2) proved = fields;
    }),
  );
  for (let n = 0; n < count; n++) {
    emit();
    if ((n + 1) % CHECKPOINT_EVERY === 0) {
      for (const note of log.checkpoint(false)) lines.push(checkpointLine(module, log.logId, note));
    }
  }
  for (const note of log.close()) lines.push(checkpointLine(module, log.logId, (lastCheckpoint = note)));
  const bundle = module.proofBundle(proved!, module.leafArray(leaves), { size: count, note: lastCheckpoint });
  return { lines, bundle };
}

/** `apitrail verify` over `file` with `workers` threads: records per second (wall) and main-thread CPU per record, best of a few runs. */
async function verifyFile(
  file: string,
  rootKey: Integrity.Verifier,
  records: number,
  workers: number,
): Promise<{ perSecond: Measured; mainThreadPerRecord: Measured }> {
  const discard = { write: () => true } as unknown as NodeJS.WritableStream;
  const rates: number[] = [];
  const mainThread: number[] = [];
  for (let run = 0; run < (quick ? 3 : 5); run++) {
    const cpu = process.threadCpuUsage();
    const start = process.hrtime.bigint();
    const { report } = await verifyFiles([file], rootKey, { out: discard, err: discard } as never, undefined, {
      workers,
    });
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const used = process.threadCpuUsage(cpu);
    if (report.findings.length > 0)
      throw new Error(`the benchmark file does not verify: ${report.findings[0]!.detail}`);
    rates.push(records / seconds);
    mainThread.push(((used.user + used.system) * 1000) / records);
  }
  const note =
    workers === 0
      ? 'main thread only'
      : `${workers} worker thread${workers === 1 ? '' : 's'} and the main thread (the default here), ${records} lines`;
  return {
    perSecond: { ...summarize(rates, 'records/s', 0), note },
    mainThreadPerRecord: { ...summarize(mainThread, 'ns/op', 1), note },
  };
}

/** A checkpoint record's line, as the integrity processor emits it and the NDJSON exporter writes it. */
function checkpointLine(module: typeof Integrity, logId: string, note: string): string {
  return ndjsonText(new module.CheckpointRecord(resourceFromAttributes({}), logId, note, false));
}

report({
  integrity: await withPackage('@apitrail/integrity/internal', async (loaded) => {
    const module = loaded as unknown as typeof Integrity;
    const root = module.Signer.generate('apitrail-bench-root');

    // Request path. The queue is emptied (unhashed) every 2048 records, where the processor seals it.
    const log = new module.MerkleLog({ rootKey: module.Signer.parse(root.skey), epochMs: 3_600_000 });
    let appended = 0;
    // Both regions run beside a stand-in for the BatchLogRecordProcessor's queue, which holds every
    // record until its export whether integrity is on or not: the log's own queue holds the same
    // records no longer, so the garbage collector's extra work is not integrity's.
    let exportQueue: ReadWriteLogRecord[] = [];
    const timedRegion = (work: (record: ReadWriteLogRecord) => void): Measured =>
      timedInsideEmit(
        (processor) => auditEmitter(processor),
        work,
        (record) => {
          exportQueue.push(record);
          if (exportQueue.length === 2048) exportQueue = [];
        },
      );
    const append = (record: ReadWriteLogRecord): void => {
      log.append(record);
      if (++appended % 2048 === 0) Reflect.set(log, 'pending', []);
    };
    // Warm-up: the first hundred thousand emits of a process run several times slower.
    timedRegion(() => undefined);
    timedRegion(append);
    const withAppend = timedRegion(append);
    const emptyRegion = timedRegion(() => undefined);

    // Sealing, per record, on a numbered record as the exporters receive it.
    const readable = sdkLogRecord();
    const fields = toNdjsonObject(readable);
    const entry = module.canonicalEntry(fields);
    const tree = new module.CompactTree();
    const leaf = module.leafDigest(entry);
    const rootHash = module.leafHash(entry);
    const attributes = readable.attributes as Record<string, string | number>;
    attributes[ATTR_INTEGRITY_LOG_ID] = log.logId;
    attributes[ATTR_INTEGRITY_SEQUENCE] = 0;
    // The record's NDJSON projection and text, cached on it as the exporters share them.
    ndjsonText(readable);
    const sealing = nsPerOp(() => tree.append(module.leafDigest(module.recordEntry(readable))));
    // A fresh record each time would measure the SDK's emit too: the caches are dropped instead.
    const sharedOnRecord = Object.getOwnPropertySymbols(readable).filter((symbol) =>
      symbol.description?.startsWith('apitrail.ndjson_'),
    );
    if (sharedOnRecord.length !== 2) throw new Error('the record does not carry its NDJSON projection and text');
    let sequence = 0;
    const sealingWithProjection = nsPerOp(() => {
      for (const symbol of sharedOnRecord) Reflect.deleteProperty(readable, symbol);
      attributes[ATTR_INTEGRITY_SEQUENCE] = sequence++;
      tree.append(module.leafDigest(module.recordEntry(readable)));
    });
    const keys = new module.EpochKeys(module.Signer.parse(root.skey), 'apitrail.log/bench', 3_600_000, Date.now());

    // Verification.
    const { lines, bundle } = signedLog(module, root, VERIFIED_RECORDS);
    const verifyAll = (): number => {
      const verifier = new module.LogVerifier(root.verifier);
      for (const line of lines)
        verifier.add({ location: 'bench', unit: 'bench', fields: JSON.parse(line) as Record<string, unknown> });
      const { findings } = verifier.finish();
      if (findings.length > 0) throw new Error(`the benchmark log does not verify: ${findings[0]!.detail}`);
      return findings.length;
    };
    verifyAll();
    const perRecord = scaled(
      nsPerOp(verifyAll),
      lines.length,
      `LogVerifier over ${lines.length} NDJSON lines, JSON.parse included`,
    );
    if (!module.verifyProofBundle(bundle, root.verifier).ok) throw new Error('the benchmark bundle does not verify');

    // `apitrail verify` end to end, over a file.
    const scratch = mkdtempSync(join(tmpdir(), 'apitrail-bench-verify-'));
    const file = join(scratch, 'signed.ndjson');
    const fileLines = signedLog(module, root, VERIFIED_FILE_RECORDS).lines;
    // In slices: one string of the whole file would double the memory held.
    writeFileSync(file, '');
    for (let start = 0; start < fileLines.length; start += 10_000)
      appendFileSync(file, `${fileLines.slice(start, start + 10_000).join('\n')}\n`);
    const inMain = await verifyFile(file, root.verifier, fileLines.length, 0);
    const inWorkers = await verifyFile(file, root.verifier, fileLines.length, defaultVerifyWorkers());
    rmSync(scratch, { recursive: true, force: true });

    return {
      request_path: difference(
        withAppend,
        emptyRegion,
        'MerkleLog.append timed inside emit, minus an empty timed region',
      ),
      sealing: {
        ...sealing,
        note: 'canonical entry cut from the NDJSON text the exporter writes (serialised once for both), SHA-256 leaf, tree append',
      },
      sealing_with_projection: {
        ...sealingWithProjection,
        note: 'building the NDJSON projection and its text too: what integrity pays alone when no NDJSON exporter shares them',
      },
      sealing_parts: {
        to_ndjson_object: nsPerOp(() => toNdjsonObject(readable)),
        ndjson_text: nsPerOp(() => JSON.stringify(fields)),
        entry_from_text: nsPerOp(() => module.recordEntry(readable)),
        canonical_entry_from_fields: nsPerOp(() => module.canonicalEntry(fields)),
        leaf_sha256: nsPerOp(() => module.leafDigest(entry)),
        tree_append: nsPerOp(() => tree.append(leaf)),
      },
      checkpoint_signing: nsPerOp(() => keys.sign(1_000_000, rootHash)),
      verify_per_record: perRecord,
      verifier_records_per_second: perSecond(perRecord, 'records/s'),
      verify_cli_records_per_second: {
        default_workers: inWorkers.perSecond,
        main_thread: inMain.perSecond,
      },
      verify_cli_main_thread_per_record: {
        default_workers: inWorkers.mainThreadPerRecord,
        main_thread: inMain.mainThreadPerRecord,
      },
      verify_proof_bundle: nsPerOp(() => module.verifyProofBundle(bundle, root.verifier)),
      proof_bundle_bytes: { value: Buffer.byteLength(JSON.stringify(bundle)), unit: 'bytes', spread: 0 },
      timed_append: withAppend,
      timed_empty_region: emptyRegion,
    };
  }),
});
