// `apitrail witness --listen` as a real HTTP service (c2sp.org/tlog-witness add-checkpoint): it
// cosigns a log's checkpoints as they extend, answers 409 with the size it holds to a stale
// submitter, refuses a rollback and a fork (checkpoints validly signed by the log's own epoch key,
// as a compromised host would make them), and keeps its state across a restart.
import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rmdir, writeFile } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { ATTR_INTEGRITY_CHECKPOINT, ATTR_INTEGRITY_SEQUENCE, EVENT_API_REQUEST } from '@apitrail/core/internal';
import { toNdjsonObject } from '@apitrail/export';
import {
  CheckpointVerifier,
  IntegrityLogRecordProcessor,
  LeafStore,
  SIGNATURE_TYPE,
  Signer,
  Verifier,
  Witness,
  WitnessState,
  canonicalEntry,
  consistencyProof,
  formatAddCheckpoint,
  leafArray,
  leafHash,
  subtreeHash,
  verifyCosignature,
} from '@apitrail/integrity/internal';
import { witnessServer } from '@apitrail/cli/internal';
import { apitrailBin, runApitrail } from '../helpers/apitrail-cli.ts';
import { repoRoot } from '../helpers/app.ts';
import { directLog } from '../helpers/integrity-direct-log.ts';
import { checkpointLine } from '../helpers/integrity-lines.ts';
import { freePort } from '../helpers/ports.ts';

interface Log {
  readonly leaves: LeafStore;
  readonly checkpoints: string[];
  readonly forkSameSize: string;
  readonly forkLarger: string;
}

/** A real log of 30 records with a checkpoint every 10, and two forks signed by its own epoch key. */
async function logWithForks(root: Signer): Promise<Log> {
  const records: Record<string, unknown>[] = [];
  const forged = leafArray(Array.from({ length: 33 }, (_, n) => leafHash(`forged ${n}`)));
  const integrity = new IntegrityLogRecordProcessor({
    rootKey: Signer.parse(root.skey),
    checkpointIntervalMs: 3_600_000,
    epochMs: 3_600_000,
    downstream: [
      new SimpleLogRecordProcessor({
        exporter: {
          export: (batch, done) => {
            records.push(...batch.map((record) => toNdjsonObject(record)));
            done({ code: ExportResultCode.SUCCESS });
          },
          shutdown: () => Promise.resolve(),
          forceFlush: () => Promise.resolve(),
        },
      }),
    ],
  });
  const provider = new LoggerProvider({ processors: [integrity] });
  const logger = provider.getLogger('api');
  for (let n = 0; n < 30; n++) {
    logger.emit({ eventName: EVENT_API_REQUEST, severityNumber: SeverityNumber.INFO, body: `request ${n}` });
    if (n % 10 === 9) await integrity.forceFlush();
  }
  const forkSameSize = integrity.log.keys.sign(30, subtreeHash(forged, 0, 30));
  const forkLarger = integrity.log.keys.sign(33, subtreeHash(forged, 0, 33));
  await provider.shutdown();
  const leaves = new LeafStore();
  const checkpoints: string[] = [];
  for (const fields of records) {
    if (typeof fields[ATTR_INTEGRITY_CHECKPOINT] === 'string') checkpoints.push(fields[ATTR_INTEGRITY_CHECKPOINT]);
    else leaves.put(fields[ATTR_INTEGRITY_SEQUENCE] as number, leafHash(canonicalEntry(fields)));
  }
  return { leaves, checkpoints, forkSameSize, forkLarger };
}

/** A directory with a witness key pair made by keygen and a new root's public key: the witness's arguments. */
async function witnessSetup(prefix: string): Promise<{ dir: string; state: string; root: Signer; args: string[] }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  expect((await runApitrail(['keygen', '--witness', '--out', dir])).code).to.equal(0);
  const root = Signer.generate('apitrail-root');
  const rootPublic = join(dir, 'root.pub');
  await writeFile(rootPublic, `${root.verifier.vkey}\n`);
  const state = join(dir, 'state.json');
  const args = ['--key', join(dir, 'apitrail-witness.key'), '--log-key', rootPublic, '--state', state];
  return { dir, state, root, args };
}

async function startWitness(args: string[]): Promise<{ url: string; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(process.execPath, [apitrailBin, 'witness', ...args, '--listen', `127.0.0.1:${port}`], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('witness listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`the witness exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/add-checkpoint`, child };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

describe('apitrail witness over HTTP (tlog-witness add-checkpoint)', function () {
  this.timeout(60_000);

  it('cosigns extensions, answers 409 to a stale size, refuses rollback and forks, and remembers across restarts', async () => {
    const { dir, root, args } = await witnessSetup('apitrail-witness-http-');
    const log = await logWithForks(root);
    const opener = new CheckpointVerifier(root.verifier);
    const [first, second, third] = log.checkpoints.map((note) => opener.open(note)).sort((a, b) => a.size - b.size);
    expect([first!.size, second!.size, third!.size]).to.deep.equal([10, 20, 30]);
    const witnessPublic = Verifier.parse(await readFile(join(dir, 'apitrail-witness.pub'), 'utf8'));

    let witness = await startWitness(args);
    const post = async (oldSize: number, proof: Buffer[], checkpoint: string) => {
      const response = await fetch(witness.url, {
        method: 'POST',
        body: formatAddCheckpoint({ oldSize, proof, checkpoint }),
      });
      return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
    };
    try {
      const cosigned = await post(0, [], first!.note);
      expect(cosigned.status).to.equal(200);
      expect(cosigned.type).to.equal('text/x.tlog.signature');
      expect(verifyCosignature(first!.note + cosigned.text, witnessPublic)).to.be.a('number');
      expect((await post(10, consistencyProof(log.leaves, 10, 20), second!.note)).status).to.equal(200);
      // A submitter that missed an update: 409 with the size the witness holds.
      const stale = await post(10, consistencyProof(log.leaves, 10, 30), third!.note);
      expect(stale).to.include({ status: 409, text: '20\n' });
      expect((await post(20, consistencyProof(log.leaves, 20, 30), third!.note)).status).to.equal(200);
      // Rollback to an older checkpoint.
      expect((await post(30, [], first!.note)).status).to.equal(400);
      // Forks signed by the log's own key: same size, another root; a larger tree not extending it.
      expect((await post(30, [], log.forkSameSize)).status).to.equal(422);
      const forged = leafArray(Array.from({ length: 33 }, (_, n) => leafHash(`forged ${n}`)));
      expect((await post(30, consistencyProof(forged, 30, 33), log.forkLarger)).status).to.equal(422);
      // A malformed request and a checkpoint from an unknown log.
      expect((await fetch(witness.url, { method: 'POST', body: 'nonsense' })).status).to.equal(400);
      expect((await post(0, [], signedByStranger())).status).to.equal(403);
    } finally {
      expect(await stop(witness.child)).to.equal(0);
    }

    // Restarted on the same state file: it still holds size 30 and still refuses the fork.
    witness = await startWitness(args);
    try {
      expect(await post(0, [], first!.note)).to.include({ status: 409, text: '30\n' });
      expect((await post(30, [], log.forkSameSize)).status).to.equal(422);
    } finally {
      await stop(witness.child);
    }
  });
});

/** Starts a witness and waits until it listens (or exits: its code and standard error). */
async function listenOrExit(args: string[]): Promise<{ child?: ChildProcess; code?: number | null; stderr: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [apitrailBin, 'witness', ...args, '--listen', `127.0.0.1:${port}`], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('witness listening')) resolve({ child, stderr });
    });
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}

describe('apitrail witness: its state on disk', function () {
  this.timeout(60_000);

  it('answers 500 while its state cannot be written, cosigns nothing then, and goes on once it can', async () => {
    const { state, root, args } = await witnessSetup('apitrail-witness-disk-');
    const log = directLog(root, 6);
    const witness = await startWitness(args);
    const post = async (oldSize: number, proof: Buffer[], checkpoint: string) =>
      (await fetch(witness.url, { method: 'POST', body: formatAddCheckpoint({ oldSize, proof, checkpoint }) })).status;
    try {
      expect(await post(0, [], log.sign(3))).to.equal(200);
      // The name of the witness's temporary file taken by a directory: its write fails, as on a full disk.
      const blocker = `${state}.${witness.child.pid}.tmp`;
      await mkdir(blocker);
      const extension = [3, consistencyProof(log.leaves, 3, 6), log.sign(6)] as const;
      expect(await post(...extension)).to.equal(500);
      expect(await post(...extension)).to.equal(500);
      await rmdir(blocker);
      // Still at size 3 (it did not take the tree it could not record): the same request now cosigned.
      expect(await post(...extension)).to.equal(200);
      expect(JSON.parse(await readFile(state, 'utf8')).logs[log.origin].size).to.equal(6);
    } finally {
      expect(await stop(witness.child)).to.equal(0);
    }
  });
});

describe('apitrail witness service: slow and many clients', function () {
  this.timeout(30_000);

  /** A raw connection to `port` that sends `text`; resolves with what came back once the server closes it. */
  function slowClient(port: number, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      let received = '';
      const socket = connect(port, '127.0.0.1', () => socket.write(text));
      socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
    });
  }

  it('closes a request not sent whole in time, and takes no more connections than its limit', async () => {
    const root = Signer.generate('apitrail-root');
    const witnessKey = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);
    const server = witnessServer(new Witness(witnessKey, root.verifier, new WitnessState(undefined)), {
      requestTimeoutMs: 500,
      maxConnections: 3,
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const started = Date.now();
      // Headers and part of a body, then nothing: a slowloris holds the connection (and up to 64 KB) otherwise.
      const [partBody, partHeaders] = await Promise.all([
        slowClient(port, 'POST /add-checkpoint HTTP/1.1\r\nHost: w\r\nContent-Length: 1000\r\n\r\nold 0\n'),
        slowClient(port, 'POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n'),
      ]);
      expect(partBody).to.match(/^HTTP\/1\.1 408 /);
      expect(partHeaders).to.match(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).to.be.below(5_000);
      // Three idle connections fill it: a fourth is closed at once, unanswered; a request fits again after.
      const idle = [1, 2, 3].map(() => slowClient(port, ''));
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await slowClient(port, 'POST /add-checkpoint HTTP/1.1\r\nHost: w\r\n\r\n')).to.equal('');
      await Promise.all(idle);
      const answer = await fetch(`http://127.0.0.1:${port}/add-checkpoint`, { method: 'POST', body: 'nonsense' });
      expect(answer.status).to.equal(400);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('apitrail witness: one process per state file', function () {
  this.timeout(60_000);

  it('a second witness on the same state does not start; the lock of a crashed witness is taken over', async () => {
    const { state, args } = await witnessSetup('apitrail-witness-lock-');
    const first = await startWitness(args);
    try {
      // Each would refuse only against its own memory: between them, two forks of a log get cosigned.
      const second = await listenOrExit(args);
      if (second.child !== undefined) await stop(second.child);
      expect(second.stderr).to.match(/in use by the witness with process id \d+/);
      expect(second.code).to.equal(2);
    } finally {
      expect(await stop(first.child)).to.equal(0);
    }
    expect(existsSync(`${state}.lock`)).to.equal(false);
    // A lock left by a process that is gone (a crash): taken over.
    const gone = spawnSync(process.execPath, ['-e', '']).pid;
    await writeFile(`${state}.lock`, `${gone}\n`);
    const restarted = await listenOrExit(args);
    expect(restarted.child, restarted.stderr).to.not.equal(undefined);
    expect(await stop(restarted.child!)).to.equal(0);
  });
});

function signedByStranger(): string {
  const stranger = Signer.generate('apitrail-root');
  return `apitrail.log/x\n1\n${Buffer.alloc(32).toString('base64')}\n\n\u2014 ${stranger.name} ${Buffer.alloc(68).toString('base64')}\n`;
}

describe('apitrail witness --forget-after: a bounded state', function () {
  this.timeout(60_000);

  /** A log file of `log`'s first `size` records and its checkpoint of that size. */
  async function logFile(dir: string, name: string, log: ReturnType<typeof directLog>, size: number): Promise<string> {
    const logId = log.origin.split('/')[1]!;
    const lines = log.records.slice(0, size).map((record) => JSON.stringify(record));
    const file = join(dir, name);
    await writeFile(file, `${[...lines, checkpointLine(logId, log.sign(size))].join('\n')}\n`);
    return file;
  }

  it('from files: a log idle past retention is moved out of the state and its next checkpoint refused; within retention it is cosigned', async () => {
    const { dir, state, root, args } = await witnessSetup('apitrail-witness-forget-');
    const log = directLog(root, 10);
    const first = await runApitrail(['witness', ...args, await logFile(dir, 'first.jsonl', log, 5)]);
    expect(first.stdout).to.include('cosigned size 5');
    const held = await readFile(state, 'utf8');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const later = await logFile(dir, 'later.jsonl', log, 10);

    // Control: the default retention (30 days) still holds the log: its extension is cosigned.
    const kept = await runApitrail(['witness', ...args, later]);
    expect(kept.stdout).to.equal(`log ${log.origin.split('/')[1]}: cosigned size 10\n`);
    expect(kept.code).to.equal(0);

    await writeFile(state, held);
    const forgetting = await runApitrail(['witness', ...args, '--forget-after', '1s', later]);
    const [said, refused, ...rest] = forgetting.stdout.trimEnd().split('\n');
    expect(said).to.match(/^witness: forgot 1 logs not extended for 1s \(moved to \S+state\.json\.forgotten\.jsonl\)/);
    expect(refused).to.match(/REFUSED size 10 \(422\): the witness no longer holds logs started by/);
    expect(rest).to.deep.equal([]);
    expect(forgetting.code).to.equal(1);
    expect(JSON.parse(await readFile(state, 'utf8')).logs).to.deep.equal({});
    const archived = JSON.parse(await readFile(`${state}.forgotten.jsonl`, 'utf8')) as { origin: string; size: number };
    expect(archived).to.include({ origin: log.origin, size: 5 });
    // Still refused on the next run, without the flag: the state remembers it forgot.
    expect((await runApitrail(['witness', ...args, later])).stdout).to.match(/REFUSED size 10 \(422\)/);

    // What it cosigned stays evidence: verify with the archive still requires the log up to size 5.
    const verify = (file: string) =>
      runApitrail([
        'verify',
        '--public-key',
        args[3]!,
        '--witness-key',
        join(dir, 'apitrail-witness.pub'),
        '--witnessed',
        state,
        '--witnessed',
        `${state}.forgotten.jsonl`,
        file,
      ]);
    const intact = await verify(join(dir, 'first.jsonl'));
    // (Its process did not close the log: truncated, but nothing deleted.)
    expect(intact.stdout, intact.stderr).to.match(/^truncated .*no closing checkpoint after size 5/m);
    expect(intact.stdout).to.not.include('deleted');
    const other = directLog(root, 2);
    const deleted = await verify(await logFile(dir, 'other.jsonl', other, 2));
    expect(deleted.stdout).to.match(/deleted .*seq 0-4/);
    expect(deleted.code).to.equal(1);
  });

  it('as a service: forgets while it runs, refuses the forgotten log, cosigns a new one', async () => {
    const { root, args } = await witnessSetup('apitrail-witness-forget-http-');
    const idle = directLog(root, 6);
    const witness = await startWitness([...args, '--forget-after', '1s']);
    const post = async (oldSize: number, proof: Buffer[], checkpoint: string) =>
      (await fetch(witness.url, { method: 'POST', body: formatAddCheckpoint({ oldSize, proof, checkpoint }) })).status;
    try {
      expect(await post(0, [], idle.sign(3))).to.equal(200);
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      expect(await post(3, consistencyProof(idle.leaves, 3, 6), idle.sign(6))).to.equal(422);
      expect(await post(0, [], idle.sign(6))).to.equal(422);
      expect(await post(0, [], directLog(root, 2).sign(2))).to.equal(200);
    } finally {
      expect(await stop(witness.child)).to.equal(0);
    }
  });

  it('takes a time with its unit, or 0', async () => {
    const { args } = await witnessSetup('apitrail-witness-forget-usage-');
    const result = await runApitrail(['witness', ...args, '--forget-after', '30', '--listen', '127.0.0.1:0']);
    expect(result.stderr.split('\n')[0]).to.equal(
      'apitrail: --forget-after takes a time such as 30d, 12h, 90m or 45s (0: never forget), not "30"',
    );
    expect(result.code).to.equal(2);
  });
});
