// Tamper evidence end to end: two app processes under the register sign their records and send
// them through the real collector (batching, and both writing one file) and into one shared
// NDJSON file. `apitrail verify` passes the untouched files and catches every mutation.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { APITRAIL_EVENTS, ATTR_INTEGRITY_FINAL } from '@apitrail/core';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { startApp } from '../helpers/app.ts';
import { requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { leakedKey, normalTraffic, randomKeyId } from '../helpers/detect-scenarios.ts';
import { replay } from '../helpers/detect-traffic.ts';
import { waitFor } from '../helpers/wait.ts';

interface OtlpRecord {
  eventName?: string;
  attributes?: { key: string; value: Record<string, unknown> }[];
}
interface OtlpLine {
  resourceLogs: { scopeLogs: { logRecords: OtlpRecord[] }[] }[];
}

describe('integrity chains through the real collector, verified by apitrail verify', function () {
  let collector: RunningCollector;
  let workDir: string;
  let otlpFile: string;
  let ndjsonFile: string;
  const key = randomBytes(32).toString('base64');
  const env = { APITRAIL_INTEGRITY_KEY: key };

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, [
      'local-file.yaml',
      resolve('test/fixtures/collector-small-batches.yaml'),
    ]);
    workDir = await mkdtemp(join(tmpdir(), 'apitrail-integrity-'));
    ndjsonFile = join(workDir, 'shared.ndjson');
    const apps = await Promise.all(
      ['a', 'b'].map(() =>
        startApp({
          script: 'test/fixtures/detect-app.cjs',
          env: {
            OTEL_SERVICE_NAME: 'integrity-e2e',
            OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpEndpoint,
            OTEL_TRACES_EXPORTER: 'none',
            OTEL_LOGS_EXPORTER: 'otlp,ndjson',
            APITRAIL_NDJSON_FILE: ndjsonFile,
            APITRAIL_INTEGRITY_KEY: key,
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

  async function verify(file: string, extraEnv: Record<string, string> = env) {
    const result = await runApitrail(['verify', '--json', file], { env: extraEnv });
    const report =
      result.stdout === ''
        ? undefined
        : (JSON.parse(result.stdout) as { findings: { kind: string }[]; chains: unknown[]; records: number });
    return { ...result, report, kinds: report?.findings.map((finding) => finding.kind) ?? [] };
  }

  it('passes the untouched collector file (two chains, batched, several requests per line)', async () => {
    const result = await verify(otlpFile);
    expect(result.stderr).to.equal('');
    expect(result.kinds).to.deep.equal([]);
    expect(result.code).to.equal(0);
    expect(result.report!.chains).to.have.length(2);
    const lines = (await readFile(otlpFile, 'utf8')).split('\n').filter((line) => line !== '');
    expect(lines.length).to.be.greaterThan(1);
  });

  it('passes the untouched NDJSON file both processes appended to', async () => {
    const result = await verify(ndjsonFile);
    expect(result.kinds).to.deep.equal([]);
    expect(result.code).to.equal(0);
    expect(result.report!.chains).to.have.length(2);
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

  it('catches an inserted record: a replayed copy and an unsigned one', async () => {
    const replayed = await mutated(
      otlpFile,
      'replayed.jsonl',
      inOtlpLine(2, (records) => records.push(records[0]!)),
    );
    expect((await verify(replayed)).kinds).to.include('inserted');
    const unsigned = await mutated(
      otlpFile,
      'unsigned.jsonl',
      inOtlpLine(2, (records) =>
        records.push({
          ...records[0]!,
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

  it('refuses a wrong key with a clear error instead of reporting tampering', async () => {
    const result = await verify(otlpFile, { APITRAIL_INTEGRITY_KEY: randomBytes(32).toString('base64') });
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(
      /wrong key: chain signed with key id [0-9a-f]{16}, but the key given has id [0-9a-f]{16}/,
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
