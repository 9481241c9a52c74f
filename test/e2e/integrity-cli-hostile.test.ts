// `apitrail verify-proof` and `apitrail witness` through the real bin, fed what an adversary or a
// crash leaves behind: each answer is an exit code and one line, never a stack trace, and a damaged
// witness state stops the witness rather than letting it start afresh (and cosign a rollback).
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EpochKeys,
  SIGNATURE_TYPE,
  Signer,
  Witness,
  WitnessState,
  proofBundle,
  subtreeHash,
} from '@apitrail/integrity/internal';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { directLog, type DirectLog } from '../helpers/integrity-direct-log.ts';
import { checkpointLine } from '../helpers/integrity-lines.ts';

const DEPTH = 100_000;

/** Signs checkpoints of `log`'s records under `root`, with `log`'s origin: another deployment's key claiming the log. */
function directLogOf(root: Signer, log: DirectLog): (size: number) => string {
  const keys = new EpochKeys(root, log.origin, 60_000, Date.now(), 8);
  return (size) => keys.sign(size, subtreeHash(log.leaves, 0, size));
}

describe('apitrail verify-proof and witness on hostile input (real bin)', function () {
  this.timeout(60_000);
  const root = Signer.generate('apitrail-root');
  let dir = '';
  let rootPublic = '';

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apitrail-hostile-'));
    rootPublic = join(dir, 'root.pub');
    await writeFile(rootPublic, `${root.verifier.vkey}\n`);
  });

  it('verify-proof: one line and an exit code for duplicate keys, bad hashes, a record deeper than the stack, non-JSON', async () => {
    const log = directLog(root, 13);
    const bundle = proofBundle(log.records[12]!, log.leaves, { size: 13, note: log.sign(13) });
    const text = JSON.stringify(bundle);
    const cases: [string, string, number, RegExp][] = [
      ['intact', text, 0, /^OK: seq 12 of log \S+ is in its tree of size 13/],
      // JSON.parse keeps the last "body", other readers the first: the bundle would show "forged" and verify.
      [
        'duplicate key',
        text.replace('"body":"entry 12"', '"body":"forged","body":"entry 12"'),
        1,
        /^INVALID: duplicate key "body"/,
      ],
      [
        'long hash',
        JSON.stringify({ ...bundle, proof: [Buffer.alloc(100).toString('base64'), ...bundle.proof.slice(1)] }),
        1,
        /^INVALID: seq 12 is not in the tree/,
      ],
      [
        'deep record',
        text.replace('"body":"entry 12"', `"body":"entry 12","deep":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`),
        1,
        /^INVALID: the record cannot be read/,
      ],
      ['not JSON', text.slice(0, 100), 2, /^apitrail: cannot read the bundle: /],
      ['empty', '', 2, /^apitrail: cannot read the bundle: /],
    ];
    for (const [name, content, code, line] of cases) {
      const file = join(dir, `${name}.json`);
      await writeFile(file, content);
      const result = await runApitrail(['verify-proof', '--public-key', rootPublic, file]);
      const output = result.stdout + result.stderr;
      expect(output, name).to.match(line);
      expect(output.trimEnd().split('\n'), name).to.have.length(1);
      expect(result.code, name).to.equal(code);
    }
  });

  it('prove: refuses without --public-key, and what it prints passes verify-proof though the files hold a record at a taken seq and a checkpoint under another root', async () => {
    const log = directLog(root, 8);
    const logId = log.origin.split('/')[1]!;
    const other = Signer.generate('apitrail-root');
    // The same log id and records under a root key not ours: its checkpoint matches the records.
    const impostor = directLogOf(other, log);
    const forged = { ...log.records[5], body: 'forged' };
    const lines = [
      // Under another root: the earliest checkpoint covering seq 5, so picked first unless signatures are checked.
      checkpointLine(logId, impostor(6)),
      ...log.records.map((record) => JSON.stringify(record)),
      // Another record at seq 5, after the signed one (verify calls it inserted).
      JSON.stringify(forged),
      checkpointLine(logId, log.sign(8)),
    ];
    const file = join(dir, 'prove.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);

    const unkeyed = await runApitrail(['prove', '--seq', '5', file]);
    expect(unkeyed.stdout).to.equal('');
    expect(unkeyed.stderr.split('\n')[0]).to.equal('apitrail: prove needs --public-key <root.pub>');
    expect(unkeyed.code).to.equal(2);

    const proved = await runApitrail(['prove', '--seq', '5', '--public-key', rootPublic, file]);
    expect(proved.code, proved.stderr).to.equal(0);
    const bundle = JSON.parse(proved.stdout) as { record: { body: string } };
    expect(bundle.record.body).to.equal('entry 5');
    const bundleFile = join(dir, 'proved.json');
    await writeFile(bundleFile, proved.stdout);
    const checked = await runApitrail(['verify-proof', '--public-key', rootPublic, bundleFile]);
    expect(checked.stdout).to.match(/^OK: seq 5 of log \S+ is in its tree of size 8/);
    expect(checked.code).to.equal(0);
  });

  it('witness from files: records missing below a checkpoint are said so, not taken for a fork', async () => {
    const witnessKey = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);
    const keyFile = join(dir, 'files-witness.key');
    await writeFile(keyFile, `${witnessKey.skey}\n`, { mode: 0o600 });
    const log = directLog(root, 10);
    const logId = log.origin.split('/')[1]!;
    const logFile = async (name: string, seqs: number[], size: number): Promise<string> => {
      const file = join(dir, name);
      const lines = seqs.map((seq) => JSON.stringify(log.records[seq]));
      await writeFile(file, `${[...lines, checkpointLine(logId, log.sign(size))].join('\n')}\n`);
      return file;
    };
    const witness = (file: string) =>
      runApitrail(['witness', '--key', keyFile, '--log-key', rootPublic, '--state', join(dir, 'files.json'), file]);
    expect((await witness(await logFile('first.jsonl', [0, 1, 2, 3, 4], 5))).stdout).to.include('cosigned size 5');
    const gap = await witness(await logFile('gap.jsonl', [0, 1, 2, 3, 4, 5, 6, 8, 9], 10));
    expect(gap.stdout).to.equal(
      `log ${logId}: REFUSED size 10 (400): records below size 10 are missing from the files: no consistency proof from size 5\n`,
    );
    expect(gap.code).to.equal(1);
    // Control: with every record, the same checkpoint is cosigned.
    const whole = await witness(await logFile('whole.jsonl', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 10));
    expect(whole.stdout).to.equal(`log ${logId}: cosigned size 10\n`);
  });

  it('witness: an address it cannot listen on is one line (exit 2), not a stack trace', async () => {
    const witnessKey = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);
    const keyFile = join(dir, 'listen-witness.key');
    await writeFile(keyFile, `${witnessKey.skey}\n`, { mode: 0o600 });
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const args = ['--key', keyFile, '--log-key', rootPublic, '--state', join(dir, 'listen.json')];
      const result = await runApitrail(['witness', ...args, '--listen', `127.0.0.1:${port}`]);
      expect(result.stderr).to.match(/^apitrail: --listen: cannot listen on 127\.0\.0\.1:\d+ \(EADDRINUSE\)\n$/);
      expect(result.code).to.equal(2);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('witness: a truncated, empty or foreign state file stops it with one line (exit 2), and is left as it was', async () => {
    const witnessKey = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);
    const keyFile = join(dir, 'witness.key');
    await writeFile(keyFile, `${witnessKey.skey}\n`, { mode: 0o600 });
    const state = join(dir, 'state.json');
    const log = directLog(root, 3);
    const witness = new Witness(witnessKey, root.verifier, WitnessState.load(state));
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: log.sign(3) }).status).to.equal(200);
    const good = await readFile(state, 'utf8');
    for (const damaged of [good.slice(0, good.length / 2), '', '{}', '{"logs":[]}']) {
      await writeFile(state, damaged);
      const result = await runApitrail([
        'witness',
        '--key',
        keyFile,
        '--log-key',
        rootPublic,
        '--state',
        state,
        '--listen',
        '127.0.0.1:0',
      ]);
      expect(result.stderr, damaged).to.match(
        /^apitrail: \S+state\.json: not a witness state file \(.+\); the witness does not start afresh/,
      );
      expect(result.stderr.trimEnd().split('\n'), damaged).to.have.length(1);
      expect(result.code, damaged).to.equal(2);
      expect(await readFile(state, 'utf8')).to.equal(damaged);
    }
  });
});

/** A new directory with a new root's public key and a new witness's key pair in it (and `file` to write more). */
async function keyFiles(prefix: string) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const root = Signer.generate('apitrail-root');
  const witnessKey = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);
  const file = (name: string, text: string): Promise<string> =>
    writeFile(join(dir, name), text, { mode: 0o600 }).then(() => join(dir, name));
  return {
    dir,
    root,
    file,
    rootPub: await file('root.pub', `${root.verifier.vkey}\n`),
    witnessPub: await file('witness.pub', `${witnessKey.verifier.vkey}\n`),
    witnessPriv: await file('witness.key', `${witnessKey.skey}\n`),
  };
}

describe('apitrail prove and witness: log ids from the files reach the terminal neutralised (real bin)', function () {
  this.timeout(60_000);

  it('an escape sequence in a log id is printed as text, in witness output and in prove errors', async () => {
    const { dir, rootPub, witnessPriv } = await keyFiles('apitrail-hostile-ids-');
    // OSC 0 (set the window title) and a CSI, as a log id: whoever writes the files chooses it.
    const ids = ['a\u001b]0;pwned\u0007', 'b\u001b[2J\u009b31m'];
    const records = ids.map((id) => ({
      timestamp: '2026-01-15T09:00:00.000Z',
      level: 'INFO',
      'apitrail.integrity.log_id': id,
      'apitrail.integrity.seq': 0,
      body: 'entry 0',
    }));
    const file = join(dir, 'ids.jsonl');
    await writeFile(file, `${records.map((record) => JSON.stringify(record)).join('\n')}\n`);
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
    const witnessed = await runApitrail([
      'witness',
      '--key',
      witnessPriv,
      '--log-key',
      rootPub,
      '--state',
      join(dir, 'state.json'),
      file,
    ]);
    expect(witnessed.stdout).to.include('no checkpoint signed down from --log-key');
    expect(raw.test(witnessed.stdout + witnessed.stderr), JSON.stringify(witnessed.stdout)).to.equal(false);
    const proved = await runApitrail(['prove', '--public-key', rootPub, '--seq', '0', file]);
    expect(proved.stderr).to.match(/^apitrail: 2 logs have a record with seq 0; pick one with --log/);
    expect(proved.code).to.equal(2);
    expect(raw.test(proved.stderr), JSON.stringify(proved.stderr)).to.equal(false);
  });
});

describe('apitrail verify, verify-proof, prove, keygen, witness: files and keys that are not what they should be (real bin)', function () {
  this.timeout(120_000);

  it('each is one line naming the cause, exit code 2, never a stack trace', async () => {
    const { dir, root, rootPub, witnessPub, witnessPriv, file } = await keyFiles('apitrail-bad-input-');
    const log = directLog(root, 3);
    const logs = await file(
      'log.jsonl',
      `${[...log.records.map((record) => JSON.stringify(record)), checkpointLine(log.origin.split('/')[1]!, log.sign(3))].join('\n')}\n`,
    );
    const empty = await file('empty', '');
    const garbage = await file('garbage', 'not json\n');
    const missing = join(dir, 'missing');
    const directory = join(dir, 'a-directory');
    await mkdir(directory);
    const state = join(dir, 'state.json');
    const verify = ['verify', '--public-key', rootPub];
    const witnessed = [...verify, '--witness-key', witnessPub, '--witnessed'];
    const witness = ['witness', '--key', witnessPriv, '--log-key', rootPub, '--state', state];
    const cases: [string, string[], RegExp][] = [
      // A key of the wrong kind: a witness's public key given as the root's, and the other way round.
      [
        'verify: witness key as root',
        ['verify', '--public-key', witnessPub, logs],
        /^apitrail: --public-key: \S+witness\.pub is a witness public key, not a log root public key/,
      ],
      [
        'verify: root key as witness',
        [...verify, '--witness-key', rootPub, '--witnessed', state, logs],
        /^apitrail: --witness-key: \S+root\.pub is a log root public key, not a witness public key/,
      ],
      [
        'verify-proof: witness key',
        ['verify-proof', '--public-key', witnessPub, logs],
        /^apitrail: --public-key: \S+ is a witness public key/,
      ],
      [
        'prove: witness key',
        ['prove', '--public-key', witnessPub, '--seq', '0', logs],
        /^apitrail: --public-key: \S+ is a witness public key/,
      ],
      [
        'witness: witness key as log key',
        ['witness', '--key', witnessPriv, '--log-key', witnessPub, '--state', state, logs],
        /^apitrail: --log-key: \S+ is a witness public key/,
      ],
      // The witness state to check against: missing, a directory, not JSON, empty.
      [
        'verify --witnessed missing',
        [...witnessed, missing, logs],
        /^apitrail: --witnessed: cannot read \S+missing \(ENOENT\)$/,
      ],
      [
        'verify --witnessed directory',
        [...witnessed, directory, logs],
        /^apitrail: --witnessed: cannot read \S+a-directory \(EISDIR\)$/,
      ],
      [
        'verify --witnessed garbage',
        [...witnessed, garbage, logs],
        /^apitrail: --witnessed: \S+garbage is not a witness state nor its forgotten logs \(/,
      ],
      [
        'verify --witnessed empty',
        [...witnessed, empty, logs],
        /^apitrail: --witnessed: \S+empty is not a witness state nor its forgotten logs \(the file is empty\)$/,
      ],
      // The files to prove from or witness: missing, a directory, nothing in them.
      [
        'prove: missing',
        ['prove', '--public-key', rootPub, '--seq', '0', missing],
        /^apitrail: cannot read \S+missing: ENOENT/,
      ],
      [
        'prove: directory',
        ['prove', '--public-key', rootPub, '--seq', '0', directory],
        /^apitrail: cannot read \S+a-directory: EISDIR/,
      ],
      ['prove: empty', ['prove', '--public-key', rootPub, '--seq', '0', empty], /^apitrail: no record with seq 0$/],
      ['witness: missing', [...witness, missing], /^apitrail: cannot read \S+missing: ENOENT/],
      ['witness: directory', [...witness, directory], /^apitrail: cannot read \S+a-directory: EISDIR/],
      ['witness: empty', [...witness, empty], /^apitrail: no integrity log in the files: nothing to witness$/],
      ['witness: garbage', [...witness, garbage], /^apitrail: no integrity log in the files: nothing to witness$/],
      [
        'witness: state in a missing directory',
        ['witness', '--key', witnessPriv, '--log-key', rootPub, '--state', join(missing, 'state.json'), logs],
        /^apitrail: \S+state\.json: cannot lock the witness state: its directory does not exist \(ENOENT\)$/,
      ],
      // The bundle: missing, a directory.
      [
        'verify-proof: missing',
        ['verify-proof', '--public-key', rootPub, missing],
        /^apitrail: cannot read the bundle: ENOENT/,
      ],
      [
        'verify-proof: directory',
        ['verify-proof', '--public-key', rootPub, directory],
        /^apitrail: cannot read the bundle: EISDIR/,
      ],
      // A device named for the bundle: refused at the largest bundle's size, not read until memory runs out.
      [
        'verify-proof: /dev/zero',
        ['verify-proof', '--public-key', rootPub, '/dev/zero'],
        /^apitrail: cannot read the bundle: it holds more than \d+ bytes$/,
      ],
      // Where keys go: a file, not a directory; a place no directory can be made (Node's recursive mkdir loops forever under /proc).
      ...(existsSync('/proc/self')
        ? [
            [
              'keygen: --out under /proc',
              ['keygen', '--out', '/proc/apitrail-keys/x'],
              /^apitrail: cannot write the keys: ENOENT/,
            ] as [string, string[], RegExp],
          ]
        : []),
      ['keygen: --out a file', ['keygen', '--out', empty], /^apitrail: --out: \S+empty is not a directory$/],
      // A path that cannot even be looked at (too long a name here; a parent not searchable alike).
      [
        'keygen: --out that cannot be looked at',
        ['keygen', '--out', join(directory, 'k'.repeat(300), 'x')],
        /^apitrail: cannot write the keys: ENAMETOOLONG/,
      ],
    ];
    const failures: string[] = [];
    for (const [name, args, line] of cases) {
      const result = await runApitrail(args);
      const lines = result.stderr.trimEnd().split('\n');
      if (result.code !== 2 || !line.test(lines[0]!) || lines.length !== 1 || /\n\s+at /.test(result.stderr)) {
        failures.push(`${name}: exit ${result.code}, stderr ${JSON.stringify(result.stderr.slice(0, 300))}`);
      }
    }
    expect(failures).to.deep.equal([]);
  });
});
