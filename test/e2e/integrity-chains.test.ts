// Tamper evidence end to end: two app processes under the register number their records into
// their Merkle logs and send them, with signed checkpoints, through the real collector (batching,
// and both writing one file) and into one shared NDJSON file; a third process signs under another
// root key. `apitrail verify` with the public key only passes the untouched files and catches
// every mutation; `prove` / `verify-proof` and the witness work on the same files.
import { expect } from 'chai';
import { copyFile, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_FINAL,
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
} from '@apitrail/core/internal';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { startApp } from '../helpers/app.ts';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { leakedKey, normalTraffic, randomKeyId } from '../helpers/detect-scenarios.ts';
import { replay } from '../helpers/detect-traffic.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { waitFor } from '../helpers/wait.ts';

interface OtlpRecord {
  eventName?: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}
interface OtlpLine {
  resourceLogs: { scopeLogs: { logRecords: OtlpRecord[] }[] }[];
}

describe('integrity logs through the real collector, verified by apitrail verify with the public key', function () {
  let collector: RunningCollector;
  let workDir: string;
  let otlpFile: string;
  let ndjsonFile: string;
  /** The whole log of a process signed under another root key. */
  let otherKeyFile: string;
  const rootKey = rootKeyFiles();
  const otherRootKey = rootKeyFiles();

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, [
      'local-file.yaml',
      resolve('test/fixtures/collector-small-batches.yaml'),
    ]);
    workDir = await mkdtemp(join(tmpdir(), 'apitrail-integrity-'));
    ndjsonFile = join(workDir, 'shared.ndjson');
    otherKeyFile = join(workDir, 'other-key.ndjson');
    const apps = await Promise.all(
      [rootKey, rootKey, otherRootKey].map((key, index) =>
        startApp({
          script: 'test/fixtures/detect-app.cjs',
          env: {
            OTEL_SERVICE_NAME: 'integrity-e2e',
            OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint,
            OTEL_TRACES_EXPORTER: 'none',
            OTEL_LOGS_EXPORTER: index < 2 ? 'otlp,ndjson' : 'ndjson',
            APITRAIL_NDJSON_FILE: index < 2 ? ndjsonFile : otherKeyFile,
            ...key.env,
            APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS: '200',
            // Small, frequent batches: many OTLP requests, merged and split by the collector.
            OTEL_BLRP_SCHEDULE_DELAY: '20',
            OTEL_BLRP_MAX_EXPORT_BATCH_SIZE: '7',
          },
        }),
      ),
    );
    const traffic = [...normalTraffic(Array.from({ length: 5 }, randomKeyId)), ...leakedKey(randomKeyId(), 8)];
    await Promise.all(apps.map((app) => replay(app.baseUrl, traffic)));
    await Promise.all(apps.map((app) => app.stop()));
    otlpFile = join(collector.outputDir, 'logs.jsonl');
    await waitFor('both closing checkpoints in the collector file', async () => {
      const closing = (await collector.logs()).filter(
        (record) =>
          record.eventName === APITRAIL_EVENTS.integrityCheckpoint && record.attributes[ATTR_INTEGRITY_FINAL] === true,
      );
      return closing.length === 2 ? true : undefined;
    });
    await collector.stop();
  });

  after(async () => {
    await collector?.stop();
  });

  async function mutated(source: string, name: string, mutate: (lines: string[]) => string[]): Promise<string> {
    const lines = (await readFile(source, 'utf8')).split('\n').filter((line) => line !== '');
    const target = join(workDir, name);
    await writeFile(target, mutate(lines).join('\n') + '\n');
    return target;
  }

  /** Applies `mutate` to the first OTLP line holding at least `min` records, re-serialised. */
  function inOtlpLine(min: number, mutate: (records: OtlpRecord[]) => void): (lines: string[]) => string[] {
    return (lines) => {
      let done = false;
      return lines.map((line) => {
        const payload = JSON.parse(line) as OtlpLine;
        const records = payload.resourceLogs[0]!.scopeLogs[0]!.logRecords;
        if (done || records.length < min) return line;
        done = true;
        mutate(records);
        return JSON.stringify(payload);
      });
    };
  }

  async function verify(file: string, publicKey = rootKey.publicFile, extra: string[] = []) {
    const result = await runApitrail(['verify', '--json', '--public-key', publicKey, ...extra, file]);
    const report =
      result.stdout === ''
        ? undefined
        : (JSON.parse(result.stdout) as {
            findings: { kind: string; detail: string }[];
            logs: unknown[];
            records: number;
          });
    return { ...result, report, kinds: report?.findings.map((finding) => finding.kind) ?? [] };
  }

  it('passes the untouched collector file (two logs, batched, several requests per line)', async () => {
    const result = await verify(otlpFile);
    expect(result.stderr).to.equal('');
    expect(result.kinds).to.deep.equal([]);
    expect(result.code).to.equal(0);
    expect(result.report!.logs).to.have.length(2);
    const lines = (await readFile(otlpFile, 'utf8')).split('\n').filter((line) => line !== '');
    expect(lines.length).to.be.greaterThan(1);
  });

  it('passes the untouched NDJSON file both processes appended to', async () => {
    const result = await verify(ndjsonFile);
    expect(result.kinds).to.deep.equal([]);
    expect(result.code).to.equal(0);
    expect(result.report!.logs).to.have.length(2);
  });

  it('passes the collector file with whole batches (lines) in another order', async () => {
    const file = await mutated(otlpFile, 'lines-shuffled.jsonl', (lines) => [...lines].reverse());
    expect((await verify(file)).code).to.equal(0);
  });

  it('catches an edited record (status code changed)', async () => {
    const file = await mutated(
      otlpFile,
      'edited.jsonl',
      inOtlpLine(1, (records) => {
        const status = records[0]!.attributes!.find((attribute) => attribute.key === 'http.response.status_code');
        if (status === undefined) throw new Error('no audit record in the first line');
        status.value = { intValue: '500' };
      }),
    );
    const result = await verify(file);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.include('modified');
    // An attribute no SDK can write, which a naive decoder would turn into a prototype and miss.
    const hidden = await mutated(
      otlpFile,
      'proto.jsonl',
      inOtlpLine(1, (records) => {
        records[0]!.attributes!.push({
          key: '__proto__',
          value: { kvlistValue: { values: [{ key: 'admin', value: { boolValue: true } }] } },
        });
      }),
    );
    const protoResult = await verify(hidden);
    expect(protoResult.code).to.equal(1);
    expect(protoResult.kinds).to.include('modified');
  });

  it('catches a deleted record', async () => {
    const file = await mutated(
      otlpFile,
      'deleted.jsonl',
      inOtlpLine(3, (records) => records.splice(1, 1)),
    );
    const result = await verify(file);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.deep.equal(['deleted']);
  });

  it('catches an inserted record: another record at a taken seq, and an unsigned one; counts an identical copy', async () => {
    // An identical copy, as a collector retry or a spool replay delivers it: counted, not a finding.
    const retried = await verify(await mutated(otlpFile, 'retried.jsonl', (lines) => [...lines, lines[0]!]));
    expect(retried.kinds).to.deep.equal([]);
    expect(retried.code).to.equal(0);
    const replayed = await mutated(
      otlpFile,
      'replayed.jsonl',
      inOtlpLine(2, (records) => {
        const copy = structuredClone(
          records.find((record) => record.eventName !== APITRAIL_EVENTS.integrityCheckpoint)!,
        );
        copy.attributes!.push({ key: 'replayed', value: { boolValue: true } });
        records.push(copy);
      }),
    );
    expect((await verify(replayed)).kinds).to.include('inserted');
    const unsigned = await mutated(
      otlpFile,
      'unsigned.jsonl',
      inOtlpLine(2, (records) =>
        records.push({
          ...records.find((record) => record.eventName !== APITRAIL_EVENTS.integrityCheckpoint)!,
          attributes: records[0]!.attributes!.filter((attribute) => !attribute.key.startsWith('apitrail.integrity.')),
        }),
      ),
    );
    const result = await verify(unsigned);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.deep.equal(['inserted']);
  });

  it('catches records reordered inside one batch', async () => {
    const file = await mutated(
      otlpFile,
      'reordered.jsonl',
      inOtlpLine(3, (records) => {
        [records[0], records[2]] = [records[2]!, records[0]!];
      }),
    );
    const result = await verify(file);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.include('reordered');
  });

  it('catches a truncated file: last line dropped, and a cut mid-line', async () => {
    const dropped = await verify(await mutated(otlpFile, 'dropped-tail.jsonl', (lines) => lines.slice(0, -1)));
    expect(dropped.code).to.equal(1);
    expect(dropped.kinds).to.include('truncated');
    const text = await readFile(otlpFile, 'utf8');
    const cut = join(workDir, 'cut.jsonl');
    await writeFile(cut, text.slice(0, text.length - 200));
    const result = await verify(cut);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.include('truncated');
    expect(result.kinds).to.include('modified');
  });

  it('catches a truncated NDJSON file', async () => {
    const result = await verify(await mutated(ndjsonFile, 'ndjson-tail.ndjson', (lines) => lines.slice(0, -3)));
    expect(result.code).to.equal(1);
    expect(result.kinds).to.include('truncated');
  });

  it('catches a whole log replaced by one re-signed under another root key', async () => {
    const control = await verify(otherKeyFile, otherRootKey.publicFile);
    expect(control.kinds, 'the other log is intact under its own key').to.deep.equal([]);
    const result = await verify(otherKeyFile);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.include('wrong_key');
  });

  it('catches a record spliced from one process log into the other', async () => {
    const file = await mutated(ndjsonFile, 'spliced.ndjson', (lines) => {
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const logIds = [...new Set(parsed.map((fields) => fields[ATTR_INTEGRITY_LOG_ID]))];
      expect(logIds).to.have.length(2);
      // Log b's record 2 takes the place of log a's record 2 (ids rewritten to fit).
      const donor = parsed.find(
        (fields) => fields[ATTR_INTEGRITY_LOG_ID] === logIds[1] && fields[ATTR_INTEGRITY_SEQUENCE] === 2,
      )!;
      return parsed.map((fields, index) =>
        fields[ATTR_INTEGRITY_LOG_ID] === logIds[0] && fields[ATTR_INTEGRITY_SEQUENCE] === 2
          ? JSON.stringify({ ...donor, [ATTR_INTEGRITY_LOG_ID]: logIds[0] })
          : lines[index]!,
      );
    });
    const result = await verify(file);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.include('modified');
  });

  it('proves one record in a bundle of at most 6 KB that verify-proof accepts with the public key only', async () => {
    const logId = (await collector.logs()).find((record) => record.attributes[ATTR_INTEGRITY_SEQUENCE] === 5)!
      .attributes[ATTR_INTEGRITY_LOG_ID];
    const proved = await runApitrail([
      'prove',
      '--public-key',
      rootKey.publicFile,
      '--seq',
      '5',
      '--log',
      String(logId),
      otlpFile,
    ]);
    expect(proved.stderr).to.equal('');
    expect(proved.code).to.equal(0);
    const bundle = join(workDir, 'bundle.json');
    await writeFile(bundle, proved.stdout);
    expect((await stat(bundle)).size).to.be.at.most(6 * 1024);
    const checked = await runApitrail(['verify-proof', '--public-key', rootKey.publicFile, bundle]);
    expect(checked.stdout).to.match(/^OK: seq 5 of log /);
    expect(checked.code).to.equal(0);
    const parsed = JSON.parse(proved.stdout) as { record: Record<string, unknown> };
    parsed.record.status_code = 599;
    await writeFile(bundle, JSON.stringify(parsed));
    const tampered = await runApitrail(['verify-proof', '--public-key', rootKey.publicFile, bundle]);
    expect(tampered.code).to.equal(1);
    expect(tampered.stdout).to.match(/^INVALID/);
    // Two logs have a seq 5: prove asks which one.
    const ambiguous = await runApitrail(['prove', '--public-key', rootKey.publicFile, '--seq', '5', otlpFile]);
    expect(ambiguous.code).to.equal(2);
    expect(ambiguous.stderr).to.match(/2 logs have a record with seq 5; pick one with --log/);
  });

  it('a witness cosigns the logs; a tail cut at a checkpoint is then caught as deleted records', async () => {
    const keys = await mkdtemp(join(tmpdir(), 'apitrail-witness-'));
    expect((await runApitrail(['keygen', '--witness', '--out', keys])).code).to.equal(0);
    const state = join(keys, 'state.json');
    const args = [
      'witness',
      '--key',
      join(keys, 'apitrail-witness.key'),
      '--log-key',
      rootKey.publicFile,
      '--state',
      state,
    ];
    const witnessed = await runApitrail([...args, otlpFile]);
    expect(witnessed.code, witnessed.stdout + witnessed.stderr).to.equal(0);
    expect(witnessed.stdout).to.match(/cosigned size/);
    // The tail of one log cut back to an earlier checkpoint, its closing checkpoint dropped too.
    const cut = await mutated(ndjsonFile, 'cut-at-checkpoint.ndjson', (lines) => {
      const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
      const logId = parsed[0]![ATTR_INTEGRITY_LOG_ID];
      const inLog = parsed.filter((fields) => fields[ATTR_INTEGRITY_LOG_ID] === logId);
      const lastSeq = Math.max(...inLog.map((fields) => Number(fields[ATTR_INTEGRITY_SEQUENCE] ?? -1)));
      return lines.filter((_, index) => {
        const fields = parsed[index]!;
        if (fields[ATTR_INTEGRITY_LOG_ID] !== logId) return true;
        return (
          fields.event !== APITRAIL_EVENTS.integrityCheckpoint && Number(fields[ATTR_INTEGRITY_SEQUENCE]) < lastSeq - 3
        );
      });
    });
    const witnessArgs = ['--witness-key', join(keys, 'apitrail-witness.pub'), '--witnessed', state];
    const result = await verify(cut, rootKey.publicFile, witnessArgs);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.include('deleted');
    expect(result.report!.findings.find((finding) => finding.kind === 'deleted')!.detail).to.match(/missing/);
    expect((await verify(ndjsonFile, rootKey.publicFile, witnessArgs)).kinds, 'control: the intact file').to.deep.equal(
      [],
    );
  });

  it('the copy used for mutations verifies like the original (the harness itself changes nothing)', async () => {
    const copy = join(workDir, 'copy.jsonl');
    await copyFile(otlpFile, copy);
    expect(
      (
        await verify(
          await mutated(
            copy,
            'reserialised.jsonl',
            inOtlpLine(1, () => undefined),
          ),
        )
      ).code,
    ).to.equal(0);
  });
});
