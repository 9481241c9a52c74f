import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider, SimpleLogRecordProcessor, type LogRecordExporter } from '@opentelemetry/sdk-logs';
import { ExportResultCode } from '@opentelemetry/core';
import {
  APITRAIL_EVENTS,
  ApitrailConfigError,
  ATTR_INTEGRITY_CHECKPOINT,
  ATTR_INTEGRITY_FINAL,
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
  EVENT_API_REQUEST,
} from '@apitrail/core/internal';
import { toNdjsonObject } from '@apitrail/export';
import {
  CheckpointVerifier,
  EpochKeys,
  IntegrityLogRecordProcessor,
  LogVerifier,
  NoteError,
  SIGNATURE_TYPE,
  Signer,
  Verifier,
  Witness,
  WitnessState,
  canonicalEntry,
  canonicalJson,
  consistencyProof,
  cosignatureLine,
  inclusionProof,
  leafArray,
  leafHash,
  logOrigin,
  nodeHash,
  openNote,
  parseAddCheckpoint,
  proofBundle,
  readIntegrityConfig,
  signNote,
  subtreeHash,
  verifyConsistency,
  verifyCosignature,
  verifyInclusion,
  verifyProofBundle,
  CompactTree,
  LeafStore,
  type BundleCheck,
  type ExportedRecord,
  type FindingKind,
  type ProofBundle,
} from '@apitrail/integrity/internal';
import { directLog } from '../helpers/integrity-direct-log.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Buffer => Buffer.from(text, 'hex');

// The RFC 6962 reference inputs and results (certificate-transparency and Trillian test data).
const RFC6962_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
];
const RFC6962_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const RFC6962_INCLUSION: { index: number; size: number; path: string[] }[] = [
  {
    index: 0,
    size: 8,
    path: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    index: 5,
    size: 8,
    path: [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
];
const RFC6962_CONSISTENCY: { size1: number; size2: number; proof: string[] }[] = [
  {
    size1: 1,
    size2: 8,
    proof: [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  },
  {
    size1: 6,
    size2: 8,
    proof: [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  },
  {
    size1: 2,
    size2: 5,
    proof: [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  },
];

describe('Merkle tree (RFC 9162 / RFC 6962 test vectors)', () => {
  const hashes = RFC6962_LEAVES.map((leaf) => leafHash(fromHex(leaf)));
  const leaves = leafArray(hashes);

  it('computes the published roots for sizes 0-8, recursively and incrementally', () => {
    expect(hex(subtreeHash(leaves, 0, 0))).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    const tree = new CompactTree();
    RFC6962_ROOTS.forEach((root, index) => {
      tree.append(hashes[index]!);
      expect(hex(subtreeHash(leaves, 0, index + 1)), `size ${index + 1}`).to.equal(root);
      expect(hex(tree.root()), `incremental size ${index + 1}`).to.equal(root);
    });
  });

  it('produces and verifies the published inclusion proofs; a wrong index, leaf or root fails', () => {
    const root = fromHex(RFC6962_ROOTS[7]!);
    for (const { index, size, path } of RFC6962_INCLUSION) {
      expect(inclusionProof(leaves, index, size).map(hex)).to.deep.equal(path);
      const proof = path.map(fromHex);
      expect(verifyInclusion(hashes[index]!, index, size, proof, root)).to.equal(true);
      expect(verifyInclusion(hashes[index]!, index + 1, size, proof, root), 'wrong index').to.equal(false);
      expect(verifyInclusion(hashes[(index + 1) % 8]!, index, size, proof, root), 'wrong leaf').to.equal(false);
      expect(verifyInclusion(hashes[index]!, index, size, proof, fromHex(RFC6962_ROOTS[6]!)), 'wrong root').to.equal(
        false,
      );
      expect(verifyInclusion(hashes[index]!, index, size, proof.slice(1), root), 'short proof').to.equal(false);
    }
  });

  it('produces and verifies the published consistency proofs; a fork or a wrong size fails', () => {
    for (const { size1, size2, proof } of RFC6962_CONSISTENCY) {
      expect(consistencyProof(leaves, size1, size2).map(hex)).to.deep.equal(proof);
      const root1 = fromHex(RFC6962_ROOTS[size1 - 1]!);
      const root2 = fromHex(RFC6962_ROOTS[size2 - 1]!);
      const nodes = proof.map(fromHex);
      expect(verifyConsistency(size1, size2, root1, root2, nodes)).to.equal(true);
      expect(verifyConsistency(size1, size2, fromHex(RFC6962_ROOTS[size1]!), root2, nodes), 'forked old root').to.equal(
        false,
      );
      expect(verifyConsistency(size1 + 1, size2, root1, root2, nodes), 'wrong size').to.equal(false);
    }
  });

  it('agrees with itself for every index and size pair up to 70 leaves', () => {
    const many = Array.from({ length: 70 }, (_, n) => leafHash(`entry ${n}`));
    const store = leafArray(many);
    for (let size = 1; size <= many.length; size++) {
      const root = subtreeHash(store, 0, size);
      for (let index = 0; index < size; index++) {
        expect(verifyInclusion(many[index]!, index, size, inclusionProof(store, index, size), root)).to.equal(true);
      }
      for (let old = 1; old <= size; old++) {
        const proof = consistencyProof(store, old, size);
        expect(verifyConsistency(old, size, subtreeHash(store, 0, old), root, proof), `${old} -> ${size}`).to.equal(
          true,
        );
      }
    }
  });
});

describe('signed notes (C2SP signed-note, tlog-cosignature)', () => {
  it('signs and opens a note; an edited text or another key fails', () => {
    const key = Signer.generate('example.com/log');
    const note = signNote('hello\nworld\n', key);
    expect(note).to.match(/^hello\nworld\n\n\u2014 example\.com\/log [A-Za-z0-9+/]+=*\n$/);
    const verifier = Verifier.parse(key.verifier.vkey);
    expect(openNote(note, verifier)).to.equal('hello\nworld\n');
    expect(() => openNote(note.replace('world', 'w0rld'), verifier)).to.throw(NoteError, /does not verify/);
    expect(() => openNote(note, Signer.generate('example.com/log').verifier)).to.throw(NoteError, /not signed by/);
  });

  it('names keys as signed-note says: id = SHA-256(name ‖ LF ‖ 0x01 ‖ public key)[:4], in the vkey and signature', () => {
    const key = Signer.generate('example.com/k');
    const [name, id, material] = key.verifier.vkey.split(/\+(.*?)\+(.*)/s);
    expect(name).to.equal('example.com/k');
    const bytes = Buffer.from(material!, 'base64');
    expect(bytes[0]).to.equal(0x01);
    const expected = createHash('sha256')
      .update(Buffer.concat([Buffer.from('example.com/k\n'), Buffer.of(0x01), bytes.subarray(1)]))
      .digest()
      .subarray(0, 4);
    expect(id).to.equal(expected.toString('hex'));
    const signatureLine = signNote('x\n', key).split('\n').at(-2)!;
    expect(Buffer.from(signatureLine.split(' ')[2]!, 'base64').subarray(0, 4).toString('hex')).to.equal(id);
    expect(Signer.parse(key.skey).verifier.vkey).to.equal(key.verifier.vkey);
  });

  it('cosigns with a timestamp over "cosignature/v1\\ntime <t>\\n" ‖ checkpoint', () => {
    const witness = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);
    const log = Signer.generate('example.com/log');
    const note = signNote('example.com/log\n5\nq5sF0xdaSU1b0nBCE7vGsU9BVSKOx1fRqBpiPibxP3A=\n', log);
    const cosigned = note + cosignatureLine(note.slice(0, note.indexOf('\n\n') + 1), witness, 1_700_000_000);
    expect(verifyCosignature(cosigned, witness.verifier)).to.equal(1_700_000_000);
    expect(openNote(cosigned, log.verifier)).to.be.a('string');
    expect(() => verifyCosignature(cosigned.replace('\n5\n', '\n6\n'), witness.verifier)).to.throw(NoteError);
  });
});

/** Collects what the exporters receive, as NDJSON objects. */
function collectingExporter(records: Record<string, unknown>[]): LogRecordExporter {
  return {
    export: (batch, done) => {
      records.push(...batch.map((record) => toNdjsonObject(record)));
      done({ code: ExportResultCode.SUCCESS });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
}

interface Emitted {
  readonly records: Record<string, unknown>[];
  readonly integrity: IntegrityLogRecordProcessor;
}

/** Emits `count` records through a real LoggerProvider with the integrity processor, then shuts down. */
async function loggedRecords(
  root: Signer,
  count: number,
  options: { now?: () => number; between?: (n: number, integrity: IntegrityLogRecordProcessor) => void } = {},
): Promise<Emitted> {
  const records: Record<string, unknown>[] = [];
  const integrity = new IntegrityLogRecordProcessor({
    rootKey: Signer.parse(root.skey),
    checkpointIntervalMs: 3_600_000,
    epochMs: 60_000,
    epochs: 8,
    ...(options.now === undefined ? {} : { now: options.now }),
    downstream: [new SimpleLogRecordProcessor({ exporter: collectingExporter(records) })],
  });
  const provider = new LoggerProvider({ processors: [integrity] });
  const logger = provider.getLogger('api');
  for (let n = 0; n < count; n++) {
    logger.emit({
      eventName: EVENT_API_REQUEST,
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: `API Request: GET /api/v1/scans/${n}`,
      attributes: {
        'api_key.id': 'k1',
        'http.response.status_code': 200,
        'http.server.request.duration': 0.001 * n + 0.0004,
        'url.query': 'a=1&b=2&b=3',
        'client.address': '203.0.113.1',
        tags: ['x', 'y'],
        ok: n % 2 === 0,
      },
    });
    options.between?.(n, integrity);
  }
  await provider.shutdown();
  return { records, integrity };
}

function verify(
  rootKey: Verifier,
  records: readonly Record<string, unknown>[],
  unitOf: (index: number) => string = () => 'file',
) {
  const verifier = new LogVerifier(rootKey);
  records.forEach((fields, n) =>
    verifier.add({ location: `f:${n + 1}`, unit: unitOf(n), fields } satisfies ExportedRecord),
  );
  const report = verifier.finish();
  return { ...report, kinds: report.findings.map((finding) => finding.kind) as FindingKind[] };
}

const isCheckpoint = (fields: Record<string, unknown>): boolean => fields.event === APITRAIL_EVENTS.integrityCheckpoint;

describe('integrity log: sealing, checkpoints and verification with the public key', () => {
  const root = Signer.generate('apitrail-root');
  const rootPublic = Verifier.parse(root.verifier.vkey);
  let records: Record<string, unknown>[];

  before(async () => {
    ({ records } = await loggedRecords(root, 40, {
      // Periodic checkpoints inside the run, as the interval timer would write them.
      between: (n, integrity) => {
        if (n % 10 === 9) void integrity.forceFlush();
      },
    }));
  });

  it('numbers records 0.. in emit order, writes checkpoints, and closes the log; it verifies clean', () => {
    const leaves = records.filter((fields) => !isCheckpoint(fields));
    expect(leaves.map((fields) => fields[ATTR_INTEGRITY_SEQUENCE])).to.deep.equal(
      Array.from({ length: 40 }, (_, n) => n),
    );
    expect(new Set(records.map((fields) => fields[ATTR_INTEGRITY_LOG_ID])).size).to.equal(1);
    const checkpoints = records.filter(isCheckpoint);
    expect(checkpoints.length).to.be.greaterThan(3);
    expect(checkpoints.at(-1)![ATTR_INTEGRITY_FINAL]).to.equal(true);
    const report = verify(rootPublic, records);
    expect(report.findings).to.deep.equal([]);
    expect(report.logs).to.have.length(1);
    expect(report.logs[0]).to.include({ verifiedSize: 40, closed: true });
  });

  it('the request path adds exactly the log id and the sequence number to a record', () => {
    const leaf = records.find((fields) => !isCheckpoint(fields))!;
    const added = Object.keys(leaf).filter((key) => key.startsWith('apitrail.integrity.'));
    expect(added.sort()).to.deep.equal([ATTR_INTEGRITY_LOG_ID, ATTR_INTEGRITY_SEQUENCE].sort());
  });

  it('counts an identical copy (a collector retry, a spool replay) without a finding', () => {
    const copy = records.find((f) => f[ATTR_INTEGRITY_SEQUENCE] === 2)!;
    const report = verify(rootPublic, [...records, copy, copy], (n) => (n < records.length ? 'a' : `retry-${n}`));
    expect(report.kinds).to.deep.equal([]);
    expect(report.logs[0]!.duplicates).to.equal(2);
  });

  it('accepts records reordered across ordering units (collector batches), and whole batches shuffled', () => {
    const shuffled = [...records].reverse();
    expect(verify(rootPublic, shuffled, (n) => `batch-${n}`).kinds).to.deep.equal([]);
  });

  const cases: [string, (list: Record<string, unknown>[]) => Record<string, unknown>[], FindingKind][] = [
    ['an edited value', (list) => list.map((f, n) => (n === 5 ? { ...f, status_code: 500 } : f)), 'modified'],
    [
      'a number turned into a string',
      (list) => list.map((f, n) => (n === 5 ? { ...f, status_code: '200' } : f)),
      'modified',
    ],
    ['a deleted record', (list) => list.filter((_, n) => n !== 7), 'deleted'],
    ['a deleted head', (list) => list.filter((f) => f[ATTR_INTEGRITY_SEQUENCE] !== 0), 'deleted'],
    [
      'an unsigned inserted record',
      (list) => [...list.slice(0, 3), { ...list[2]!, [ATTR_INTEGRITY_LOG_ID]: undefined }, ...list.slice(3)],
      'inserted',
    ],
    [
      'another record at a taken sequence number',
      (list) => [...list, { ...list.find((f) => f[ATTR_INTEGRITY_SEQUENCE] === 2)!, api_key_id: 'other' }],
      'inserted',
    ],
    [
      'a forged record at a taken sequence number',
      (list) => list.map((f, n) => (n === 3 ? { ...f, api_key_id: 'other' } : f)),
      'modified',
    ],
    [
      'two records swapped in one batch',
      (list) => list.map((f, n) => (n === 3 ? list[4]! : n === 4 ? list[3]! : f)),
      'reordered',
    ],
    ['a cut tail (the closing checkpoint and the records before it)', (list) => list.slice(0, -4), 'truncated'],
  ];
  for (const [name, mutate, kind] of cases) {
    it(`catches ${name}: ${kind}`, () => {
      const report = verify(rootPublic, mutate(records));
      expect(report.kinds).to.include(kind);
    });
  }

  it('catches a forged checkpoint: its note edited', () => {
    const edited = records.map((f) =>
      f[ATTR_INTEGRITY_FINAL] === true
        ? { ...f, [ATTR_INTEGRITY_CHECKPOINT]: String(f[ATTR_INTEGRITY_CHECKPOINT]).replace('\n40\n', '\n39\n') }
        : f,
    );
    expect(verify(rootPublic, edited).kinds).to.include('modified');
  });

  it('catches a whole log replaced by one re-signed with another root key (same records, same log id)', async () => {
    const attacker = Signer.generate('apitrail-root');
    const forged = await loggedRecords(attacker, 40);
    const report = verify(rootPublic, forged.records);
    expect(report.kinds).to.include('wrong_key');
    expect(report.logs[0]!.verifiedSize).to.equal(0);
    // Control: under the attacker's own key the forged log is internally consistent.
    expect(verify(attacker.verifier, forged.records).kinds).to.deep.equal([]);
  });

  it('keeps two processes apart in one file, and catches a record spliced from one log into the other', async () => {
    const other = (await loggedRecords(root, 12)).records;
    expect(verify(rootPublic, [...records, ...other], (n) => (n < records.length ? 'a' : 'b')).kinds).to.deep.equal([]);
    const logId = records[0]![ATTR_INTEGRITY_LOG_ID];
    const spliced = other.map((f, n) =>
      n === 2 ? { ...f, [ATTR_INTEGRITY_LOG_ID]: logId, [ATTR_INTEGRITY_SEQUENCE]: 40 } : f,
    );
    const withTarget = records.filter((f) => f[ATTR_INTEGRITY_FINAL] !== true);
    expect(verify(rootPublic, [...withTarget, spliced[2]!]).kinds).to.not.deep.equal([]);
    const swapped = [
      ...records.filter((f) => f[ATTR_INTEGRITY_SEQUENCE] !== 2),
      { ...other[2]!, [ATTR_INTEGRITY_LOG_ID]: logId },
    ];
    expect(verify(rootPublic, swapped).kinds).to.include('modified');
  });

  it('does not pass an input with no integrity records', () => {
    expect(verify(rootPublic, []).kinds).to.deep.equal(['truncated']);
    expect(verify(rootPublic, [{ message: 'x' }]).kinds).to.include('truncated');
  });
});

describe('forward security: epoch keys', () => {
  const root = Signer.generate('apitrail-root');

  it('signs each epoch with its own certified key and erases it when the epoch ends', async () => {
    let clock = 1_000_000;
    const seen: Signer[] = [];
    const { records, integrity } = await loggedRecords(root, 30, {
      now: () => clock,
      between: (n, processor) => {
        if (n % 10 === 9) {
          seen.push(Reflect.get(processor.log.keys, 'current') as Signer);
          clock += 60_000;
          void processor.forceFlush();
        }
      },
    });
    const report = verify(root.verifier, records);
    expect(report.findings).to.deep.equal([]);
    expect(report.logs[0]!.epochs).to.equal(4);
    // Every epoch key the process held is zero now, the last one included (erased at shutdown).
    expect(seen.map((key) => key.erased)).to.deep.equal([true, true, true]);
    expect(() => (Reflect.get(integrity.log.keys, 'current') as Signer).sign(Buffer.from('x'))).to.throw(/erased/);
  });

  it('a host compromised in epoch k cannot sign for an earlier epoch, nor rewrite the past under a later one', async () => {
    let clock = 5_000_000;
    let stolen: { current: Signer; seed: Buffer } | undefined;
    const { records } = await loggedRecords(root, 30, {
      now: () => clock,
      between: (n, processor) => {
        if (n % 10 === 9) {
          clock += 60_000;
          void processor.forceFlush();
        }
        // The attacker takes everything the process holds in epoch 2.
        if (n === 25) {
          const keys = processor.log.keys;
          stolen = {
            current: Reflect.get(keys, 'current') as Signer,
            seed: Buffer.from(Reflect.get(keys, 'seed') as Buffer),
          };
        }
      },
    });
    expect(verify(root.verifier, records).kinds).to.deep.equal([]);
    const { current } = stolen!;
    expect(current.name).to.match(/\/epoch\/2$/);
    const checkpoints = records.filter(isCheckpoint).map((f) => String(f[ATTR_INTEGRITY_CHECKPOINT]));
    const epochZero = checkpoints[0]!;
    const text = epochZero.slice(0, epochZero.indexOf('\n\n') + 1);
    // 1. Re-signing an epoch-0 checkpoint with the stolen key: refused (the key is epoch 2's).
    const opener = new CheckpointVerifier(root.verifier);
    expect(() => opener.open(signNote(text, current))).to.throw(NoteError);
    // Relabelled as epoch 0 (the epoch line and key name claim 0): not the certified key of epoch 0.
    const relabelled = new Signer(
      current.name.replace(/\/epoch\/2$/, '/epoch/0'),
      SIGNATURE_TYPE.ed25519,
      stolen!.seed,
    );
    const forgedLine = text.split('\n').find((line) => line.startsWith('apitrail-epoch '))!;
    const [, , , ...proof] = forgedLine.split(' ');
    const relabelledText = text.replace(
      forgedLine,
      ['apitrail-epoch', '0', relabelled.verifier.vkey, ...proof].join(' '),
    );
    expect(() => opener.open(signNote(relabelledText, relabelled))).to.throw(
      NoteError,
      /not the certified key of epoch 0/,
    );
    // 2. Rewriting a past record and re-signing the whole history with the epoch-2 key: the
    //    epoch-0 and epoch-1 checkpoints still commit to the original records.
    const edited = records.map((f) => (f[ATTR_INTEGRITY_SEQUENCE] === 3 ? { ...f, api_key_id: 'innocent' } : f));
    expect(verify(root.verifier, edited).kinds).to.include('modified');
    //    Dropping those checkpoints leaves epochs without one: reported.
    const dropped = edited.filter(
      (f) => !isCheckpoint(f) || !/\/epoch\/[01] /.test(String(f[ATTR_INTEGRITY_CHECKPOINT])),
    );
    expect(verify(root.verifier, dropped).kinds).to.include('deleted');
  });
});

describe('witness', () => {
  const root = Signer.generate('apitrail-root');
  const witnessKey = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);

  function logOf(records: Record<string, unknown>[]) {
    const leaves = new LeafStore();
    for (const f of records)
      if (!isCheckpoint(f)) leaves.put(f[ATTR_INTEGRITY_SEQUENCE] as number, leafHash(canonicalEntry(f)));
    const checkpoints = records
      .filter(isCheckpoint)
      .map((f) => new CheckpointVerifier(root.verifier).open(String(f[ATTR_INTEGRITY_CHECKPOINT])));
    return { leaves, checkpoints: checkpoints.sort((a, b) => a.size - b.size) };
  }

  it('cosigns consistent extensions, and refuses a rollback, a fork, a stale size and an unknown log', async () => {
    // The fork's checkpoints are signed by the log's own current epoch key, taken while the process
    // runs: what an attacker on the host holds. They describe other records under the same log.
    const forged = Array.from({ length: 23 }, (_, n) => leafHash(`forged entry ${n}`));
    const forgedLeaves = leafArray(forged);
    let forkSameSize = '';
    let forkLarger = '';
    const { records } = await loggedRecords(root, 20, {
      between: (n, integrity) => {
        if (n % 5 === 4) void integrity.forceFlush();
        if (n === 19) {
          forkSameSize = integrity.log.keys.sign(20, subtreeHash(forgedLeaves, 0, 20));
          forkLarger = integrity.log.keys.sign(23, subtreeHash(forgedLeaves, 0, 23));
        }
      },
    });
    const { leaves, checkpoints } = logOf(records);
    const witness = new Witness(witnessKey, root.verifier, new WitnessState(undefined));
    const [first, second, third] = [checkpoints[0]!, checkpoints[1]!, checkpoints.at(-1)!];
    expect(third.size).to.equal(20);
    const first200 = witness.add({ oldSize: 0, proof: [], checkpoint: first.note });
    expect(first200.status).to.equal(200);
    expect(verifyCosignature((first200 as { checkpoint: string }).checkpoint, witnessKey.verifier)).to.be.a('number');
    expect(
      witness.add({
        oldSize: first.size,
        proof: consistencyProof(leaves, first.size, second.size),
        checkpoint: second.note,
      }).status,
    ).to.equal(200);
    expect(
      witness.add({
        oldSize: second.size,
        proof: consistencyProof(leaves, second.size, third.size),
        checkpoint: third.note,
      }).status,
    ).to.equal(200);
    // Rollback: an older checkpoint after a newer one.
    const rollback = witness.add({ oldSize: third.size, proof: [], checkpoint: first.note });
    expect(rollback.status).to.equal(400);
    // A stale idea of the witnessed size: 409 with the size the witness holds.
    expect(witness.add({ oldSize: first.size, proof: [], checkpoint: third.note })).to.include({
      status: 409,
      size: third.size,
    });
    // Forks, validly signed: the same size with another root, and a larger tree that does not extend the witnessed one.
    expect(witness.add({ oldSize: 20, proof: [], checkpoint: forkSameSize }).status).to.equal(422);
    expect(
      witness.add({ oldSize: 20, proof: consistencyProof(forgedLeaves, 20, 23), checkpoint: forkLarger }).status,
    ).to.equal(422);
    // Control: the forked checkpoints are validly signed; a witness that never saw the real log cosigns them.
    const fresh = new Witness(witnessKey, root.verifier, new WitnessState(undefined));
    expect(fresh.add({ oldSize: 0, proof: [], checkpoint: forkSameSize }).status).to.equal(200);
    expect(
      fresh.add({ oldSize: 20, proof: consistencyProof(forgedLeaves, 20, 23), checkpoint: forkLarger }).status,
    ).to.equal(200);
    expect(witness.state.get(third.origin)!.size).to.equal(20);
    // Unknown log root.
    const stranger = (await loggedRecords(Signer.generate('apitrail-root'), 3)).records;
    const strangerCheckpoint = String(stranger.filter(isCheckpoint).at(-1)![ATTR_INTEGRITY_CHECKPOINT]);
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: strangerCheckpoint }).status).to.equal(403);
  });
});

describe('inclusion proof bundles', () => {
  const root = Signer.generate('apitrail-root');

  it('proves one record against a signed checkpoint in a few KB; an edited record or proof fails', async () => {
    const { records } = await loggedRecords(root, 300);
    const leaves = new LeafStore();
    for (const f of records)
      if (!isCheckpoint(f)) leaves.put(f[ATTR_INTEGRITY_SEQUENCE] as number, leafHash(canonicalEntry(f)));
    const checkpoint = new CheckpointVerifier(root.verifier).open(String(records.at(-1)![ATTR_INTEGRITY_CHECKPOINT]));
    const record = records.find((f) => f[ATTR_INTEGRITY_SEQUENCE] === 123)!;
    const bundle = proofBundle(record, leaves, checkpoint);
    expect(Buffer.byteLength(JSON.stringify(bundle))).to.be.lessThan(6 * 1024);
    expect(verifyProofBundle(JSON.parse(JSON.stringify(bundle)), root.verifier)).to.include({
      ok: true,
      sequence: 123,
    });
    expect(verifyProofBundle({ ...bundle, record: { ...record, status_code: 404 } }, root.verifier).ok).to.equal(false);
    expect(verifyProofBundle({ ...bundle, proof: [...bundle.proof].reverse() }, root.verifier).ok).to.equal(false);
    expect(verifyProofBundle(bundle, Signer.generate('apitrail-root').verifier).ok).to.equal(false);
  });
});

/** A note's text and its signature lines (with the blank line before them). */
function splitNote(note: string): [string, string] {
  const split = note.lastIndexOf('\n\n') + 1;
  return [note.slice(0, split), note.slice(split)];
}

describe('witness: hostile submissions', () => {
  const root = Signer.generate('apitrail-root');
  const witnessKey = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);

  it('refuses to extend a log it saw closed; the same tree signed again leaves the closing checkpoint held', () => {
    const log = directLog(root, 20);
    const endOfEpoch = log.sign(10);
    const closing = log.sign(10, true);
    const extension = { oldSize: 10, proof: consistencyProof(log.leaves, 10, 20), checkpoint: log.sign(20) };
    const witness = new Witness(witnessKey, root.verifier, new WitnessState(undefined));
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: closing }).status).to.equal(200);
    // The same tree under the last epoch's checkpoint (signed just before the close): cosigned, close kept.
    expect(witness.add({ oldSize: 10, proof: [], checkpoint: endOfEpoch }).status).to.equal(200);
    expect(witness.state.get(log.origin)!.checkpoint).to.include('\napitrail-closed\n');
    // A consistent extension signed by the log's key (taken before the close, as an attacker would).
    expect(witness.add(extension)).to.include({ status: 422 });
    // Control: a witness that did not see the close cosigns that extension.
    const open = new Witness(witnessKey, root.verifier, new WitnessState(undefined));
    expect(open.add({ oldSize: 0, proof: [], checkpoint: endOfEpoch }).status).to.equal(200);
    expect(open.add(extension).status).to.equal(200);
  });

  it('refuses a checkpoint of no records whose root is not the empty tree’s (RFC 9162: MTH({}) = SHA-256())', () => {
    const root0 = Signer.generate('apitrail-root');
    const keys = new EpochKeys(root0, logOrigin('empty'), 60_000, Date.now(), 8);
    const witness = new Witness(witnessKey, root0.verifier, new WitnessState(undefined));
    const bogus = witness.add({ oldSize: 0, proof: [], checkpoint: keys.sign(0, leafHash('not empty')) });
    expect(bogus).to.deep.include({ status: 403 });
    expect((bogus as { reason: string }).reason).to.match(/a tree of size 0 has the empty tree’s root/);
    expect(
      witness.add({ oldSize: 0, proof: [], checkpoint: keys.sign(0, subtreeHash(leafArray([]), 0, 0)) }).status,
    ).to.equal(200);
  });

  it('keeps and returns the log’s signature and its own only, whatever other lines came with the checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-witness-lines-'));
    const file = join(dir, 'state.json');
    const log = directLog(root, 6);
    // Fifteen signature lines of unknown keys: a note may carry 16 lines, the cosignature would make 17.
    const junk = Array.from(
      { length: 15 },
      (_, n) => `\u2014 other.example/${n} ${randomBytes(68).toString('base64')}\n`,
    );
    const witness = new Witness(witnessKey, root.verifier, WitnessState.load(file));
    const first = witness.add({ oldSize: 0, proof: [], checkpoint: `${log.sign(3)}${junk.join('')}` });
    expect(first.status).to.equal(200);
    const held = witness.state.get(log.origin)!.checkpoint;
    expect(held.split('\n').filter((line) => line.startsWith('\u2014 '))).to.have.length(2);
    expect(verifyCosignature(held, witnessKey.verifier)).to.be.a('number');
    expect((first as { checkpoint: string }).checkpoint).to.equal(held);
    // The state still reads, and the next extension is judged against it.
    expect(WitnessState.load(file).get(log.origin)!.size).to.equal(3);
    const extension = { oldSize: 3, proof: consistencyProof(log.leaves, 3, 6), checkpoint: log.sign(6) };
    expect(witness.add(extension).status).to.equal(200);
  });

  it('keeps a bounded number of certificates and epoch keys in memory, however many logs it opens', () => {
    const opener = new CheckpointVerifier(root.verifier, 4);
    const logs = Array.from({ length: 10 }, () => directLog(root, 2));
    for (const log of logs) expect(opener.open(log.sign(2)).size).to.equal(2);
    expect((Reflect.get(opener, 'certificates') as Map<string, unknown>).size).to.equal(4);
    expect((Reflect.get(opener, 'epochKeys') as Map<string, unknown>).size).to.equal(4);
    // One that was let go is worked out again.
    expect(opener.open(logs[0]!.sign(1)).size).to.equal(1);
  });

  it('remembers nothing of respelled checkpoints: every line of a valid one has a single spelling', () => {
    const log = directLog(root, 4);
    const note = log.sign(4);
    const [text, signatures] = splitNote(note);
    const lines = text.split('\n');
    const epochAt = lines.findIndex((line) => line.startsWith('apitrail-epoch '));
    const certificateAt = lines.findIndex((line) => line.startsWith('apitrail-certificate '));
    const certificate = Buffer.from(lines[certificateAt]!.split(' ')[1]!, 'base64').toString();
    const respelled = (index: number, line: string): string =>
      lines.map((original, at) => (at === index ? line : original)).join('\n') + signatures;
    // Characters Buffer.from skips, after a proof hash of the epoch line and after the certificate's
    // base64; and the certificate with another key's signature line added.
    const respellings = Array.from({ length: 20 }, (_, n) => [
      respelled(epochAt, `${lines[epochAt]}${'!'.repeat(n + 1)}`),
      respelled(certificateAt, `${lines[certificateAt]}${'!'.repeat(n + 1)}`),
      respelled(
        certificateAt,
        `apitrail-certificate ${Buffer.from(`${certificate}\u2014 other ${randomBytes(70).toString('base64')}\n`).toString('base64')}`,
      ),
    ]).flat();
    const witness = new Witness(witnessKey, root.verifier, new WitnessState(undefined));
    for (const checkpoint of respellings) {
      expect(witness.add({ oldSize: 0, proof: [], checkpoint }).status).to.equal(403);
    }
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: note }).status).to.equal(200);
    const opener = Reflect.get(witness, 'checkpoints') as CheckpointVerifier;
    expect((Reflect.get(opener, 'certificates') as Map<string, unknown>).size).to.equal(1);
    expect((Reflect.get(opener, 'epochKeys') as Map<string, unknown>).size).to.equal(1);
  });

  it('takes proof hashes of 32 bytes only: a short one does not borrow a stale byte, a long one does not throw', () => {
    const [a, b, c] = [leafHash('a'), leafHash('b'), leafHash('c')];
    const two = nodeHash(a, b);
    const three = nodeHash(two, c);
    expect(verifyInclusion(b, 1, 2, [a], two)).to.equal(true);
    expect(verifyConsistency(2, 3, two, three, [c])).to.equal(true);
    // nodeHash copies into one buffer: right after hashing (a, c), 31 bytes of a or c would read as all 32.
    nodeHash(a, c);
    expect(verifyInclusion(b, 1, 2, [a.subarray(0, 31)], two)).to.equal(false);
    nodeHash(a, c);
    expect(verifyConsistency(2, 3, two, three, [c.subarray(0, 31)])).to.equal(false);
    const long = Buffer.concat([a, a, a]);
    expect(verifyInclusion(b, 1, 2, [long], two)).to.equal(false);
    expect(verifyConsistency(2, 3, two, three, [long])).to.equal(false);
    for (const line of [a.subarray(0, 31).toString('base64'), long.toString('base64'), `${a.toString('base64')}!`]) {
      expect(() => parseAddCheckpoint(`old 2\n${line}\n\nx\n`)).to.throw(/not a base64 SHA-256 hash/);
    }
  });

  it('fails closed on a state file that is truncated, empty, not a state, or inconsistent; follows a symbolic link', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-witness-state-'));
    const log = directLog(root, 6);
    const checkpoint = log.sign(3);
    const file = join(dir, 'state.json');
    const witness = new Witness(witnessKey, root.verifier, WitnessState.load(file));
    expect(witness.add({ oldSize: 0, proof: [], checkpoint }).status).to.equal(200);
    const good = readFileSync(file, 'utf8');
    expect(WitnessState.load(file).get(log.origin)!.size).to.equal(3);
    const entry = JSON.parse(good).logs[log.origin] as Record<string, unknown>;
    for (const damaged of [
      good.slice(0, good.length / 2),
      '',
      '{}',
      'null',
      '[]',
      JSON.stringify({ logs: { [log.origin]: { ...entry, size: 0 } } }),
      JSON.stringify({ logs: { [log.origin]: { ...entry, root: Buffer.alloc(32).toString('base64') } } }),
      JSON.stringify({ logs: { 'apitrail.log/other': entry } }),
      JSON.stringify({ logs: { [log.origin]: { size: 3 } } }),
    ]) {
      writeFileSync(file, damaged);
      expect(() => WitnessState.load(file), damaged.slice(0, 40)).to.throw(
        ApitrailConfigError,
        /not a witness state file/,
      );
    }
    // A symbolic link to the state: the file it names is the state, and stays a file after a write.
    const target = join(dir, 'target.json');
    writeFileSync(target, good);
    const link = join(dir, 'link.json');
    symlinkSync(target, link);
    const linked = new Witness(witnessKey, root.verifier, WitnessState.load(link));
    const extension = { oldSize: 3, proof: consistencyProof(log.leaves, 3, 6), checkpoint: log.sign(6) };
    expect(linked.add(extension).status).to.equal(200);
    expect(lstatSync(link).isSymbolicLink()).to.equal(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).logs[log.origin].size).to.equal(6);
    // A link to a file that is gone (a volume not mounted, a state moved away) is no first start.
    const dangling = join(dir, 'dangling.json');
    symlinkSync(join(dir, 'unmounted', 'state.json'), dangling);
    expect(() => WitnessState.load(dangling)).to.throw(ApitrailConfigError, /symbolic link to .* which does not exist/);
  });

  it('keeps in memory what the file holds when the state cannot be written, and cosigns nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-witness-state-'));
    const log = directLog(root, 6);
    const file = join(dir, 'state.json');
    const witness = new Witness(witnessKey, root.verifier, WitnessState.load(file));
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: log.sign(3) }).status).to.equal(200);
    // The temporary file's name taken by a directory: the write fails (as a full disk would).
    mkdirSync(`${file}.${process.pid}.tmp`);
    const extension = { oldSize: 3, proof: consistencyProof(log.leaves, 3, 6), checkpoint: log.sign(6) };
    expect(() => witness.add(extension)).to.throw();
    expect(witness.state.get(log.origin)!.size).to.equal(3);
    rmdirSync(`${file}.${process.pid}.tmp`);
    expect(witness.add(extension).status).to.equal(200);
  });
});

describe('RFC 9162 proofs of trees past 2^32 leaves', () => {
  // Trees of one repeated leaf: a subtree's hash depends on its size alone, so proofs of any size cost O(log n).
  const leaf = leafHash('repeated');
  const memo = new Map<number, Buffer>();
  const largestPowerBelow = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1);
  const mth = (n: number): Buffer => {
    if (n === 1) return leaf;
    let hash = memo.get(n);
    if (hash === undefined) {
      const k = largestPowerBelow(n);
      hash = nodeHash(mth(k), mth(n - k));
      memo.set(n, hash);
    }
    return hash;
  };
  const inclusion = (m: number, n: number): Buffer[] => {
    if (n === 1) return [];
    const k = largestPowerBelow(n);
    return m < k ? [...inclusion(m, k), mth(n - k)] : [...inclusion(m - k, n - k), mth(k)];
  };
  const consistency = (m: number, n: number, complete = true): Buffer[] => {
    if (m === n) return complete ? [] : [mth(n)];
    const k = largestPowerBelow(n);
    return m <= k ? [...consistency(m, k, complete), mth(n - k)] : [...consistency(m - k, n - k, false), mth(k)];
  };

  it('verifies inclusion and consistency with arithmetic that does not cut sizes to 32 bits', () => {
    // The construction agrees with the tree's own proofs on small trees.
    const small = leafArray(Array.from({ length: 13 }, () => leaf));
    for (const [m, n] of [
      [3, 7],
      [6, 8],
      [4, 13],
    ] as const) {
      expect(consistency(m, n).map(hex)).to.deep.equal(consistencyProof(small, m, n).map(hex));
      expect(inclusion(m, n).map(hex)).to.deep.equal(inclusionProof(small, m, n).map(hex));
    }
    for (const [m, n] of [
      [2 ** 32 + 4, 2 ** 32 + 8],
      [2 ** 33, 2 ** 33 + 3],
      [2 ** 32 + 1, 2 ** 40 + 5],
    ] as const) {
      expect(verifyConsistency(m, n, mth(m), mth(n), consistency(m, n)), `${m} → ${n}`).to.equal(true);
      expect(verifyConsistency(m, n, mth(m), mth(n + 1), consistency(m, n))).to.equal(false);
      expect(verifyInclusion(leaf, m, n, inclusion(m, n), mth(n)), `${m} in ${n}`).to.equal(true);
      expect(verifyInclusion(leaf, n, n, inclusion(m, n), mth(n))).to.equal(false);
    }
  });
});

describe('signed notes: signature lines', () => {
  it('rejects a note its key signed twice with one line bad, and a signature not in canonical base64', () => {
    const key = Signer.generate('example.com/k');
    const note = signNote('hello\n', key);
    const [, line] = splitNote(note);
    const encoded = line.trim().split(' ')[2]!;
    const bad = Buffer.from(encoded, 'base64');
    bad[10]! ^= 1;
    expect(openNote(note, key.verifier)).to.equal('hello\n');
    expect(openNote(`${note}\u2014 other.example/k ${bad.toString('base64')}\n`, key.verifier)).to.equal('hello\n');
    expect(() => openNote(`${note}\u2014 ${key.name} ${bad.toString('base64')}\n`, key.verifier)).to.throw(
      NoteError,
      /does not verify/,
    );
    expect(() => openNote(note.replace(encoded, `${encoded}!`), key.verifier)).to.throw(NoteError, /malformed/);
  });
});

describe('inclusion proof bundles: forgeries and garbage', () => {
  const root = Signer.generate('apitrail-root');
  const log = directLog(root, 13);
  const checkpoint = { size: 13, note: log.sign(13) };
  const bundleOf = (seq: number): ProofBundle => proofBundle(log.records[seq]!, log.leaves, checkpoint);
  const check = (bundle: unknown): BundleCheck => verifyProofBundle(bundle, root.verifier);

  it('proves the first and the last leaf of a tree whose size is no power of two', () => {
    for (const seq of [0, 7, 12]) expect(check(bundleOf(seq))).to.include({ ok: true, sequence: seq, size: 13 });
  });

  it('refuses a record moved to another seq, past the tree, or under a checkpoint of another log or key', () => {
    const last = bundleOf(12);
    const at = (seq: number): unknown => ({ ...last, record: { ...last.record, [ATTR_INTEGRITY_SEQUENCE]: seq } });
    expect(check(at(11)).ok).to.equal(false);
    expect(check(at(13)).ok).to.equal(false);
    expect(check(at(-1)).ok).to.equal(false);
    expect(check({ ...last, checkpoint: log.sign(12) }).ok).to.equal(false);
    expect(check({ ...last, checkpoint: log.sign(0) }).ok).to.equal(false);
    expect(check({ ...last, proof: [last.proof[1], last.proof[0], ...last.proof.slice(2)] }).ok).to.equal(false);
    // Another log under the same root, and the same log's tree signed under another root.
    const other = directLog(root, 13);
    expect(check({ ...last, checkpoint: other.sign(13) })).to.deep.equal({
      ok: false,
      reason: 'the record is not in the checkpoint’s log',
    });
    const stranger = Signer.generate('apitrail-root');
    const strangerKeys = new EpochKeys(stranger, log.origin, 60_000, Date.now(), 8);
    const foreign = strangerKeys.sign(13, subtreeHash(log.leaves, 0, 13));
    expect(check({ ...last, checkpoint: foreign }).ok).to.equal(false);
  });

  it('refuses a checkpoint note with a bad second signature by its key or an extra text line', () => {
    const last = bundleOf(12);
    const [text, signatures] = splitNote(last.checkpoint);
    const signature = Buffer.from(signatures.trim().split(' ')[2]!, 'base64');
    signature[20]! ^= 1;
    const name = signatures.trim().split(' ')[1]!;
    expect(
      check({ ...last, checkpoint: `${last.checkpoint}\u2014 ${name} ${signature.toString('base64')}\n` }).ok,
    ).to.equal(false);
    expect(check({ ...last, checkpoint: `${text}extra\n${signatures}` }).ok).to.equal(false);
  });

  it('answers garbage with a reason, never an exception: respelled, long or short hashes, a record deeper than the stack', () => {
    const bundle = bundleOf(5);
    const respelled = { ...bundle, proof: bundle.proof.map((node, at) => (at === 0 ? `${node}!` : node)) };
    expect(check(respelled)).to.deep.equal({ ok: false, reason: 'a proof hash is not base64' });
    const long = { ...bundle, proof: [Buffer.alloc(100).toString('base64'), ...bundle.proof.slice(1)] };
    expect(check(long).ok).to.equal(false);
    const short = { ...bundle, proof: [Buffer.alloc(3).toString('base64'), ...bundle.proof.slice(1)] };
    expect(check(short).ok).to.equal(false);
    let deep: unknown = 'x';
    for (let depth = 0; depth < 100_000; depth++) deep = [deep];
    const tooDeep = { ...bundle, record: { ...bundle.record, deep } };
    expect(check(tooDeep)).to.include({ ok: false });
    for (const garbage of [null, 7, 'x', [], {}, { ...bundle, proof: [1] }, { ...bundle, record: [] }]) {
      expect(check(garbage).ok).to.equal(false);
    }
  });
});

describe('canonical JSON (RFC 8785)', () => {
  it('sorts keys by UTF-16 code unit, at every depth, with ECMAScript numbers', () => {
    expect(
      canonicalJson({ b: [3, { z: 1, a: 'é' }], a: 1e21, '\u20ac': 0.1, '\ud83d\ude00': -0, c: undefined }),
    ).to.equal('{"a":1e+21,"b":[3,{"a":"é","z":1}],"\u20ac":0.1,"\ud83d\ude00":0}');
    expect(canonicalJson('line\nbreak\u2028')).to.equal('"line\\nbreak\u2028"');
    // Integer-like keys sort as strings (V8 would enumerate them numerically), at any depth.
    expect(canonicalJson({ q: { '10': 'a', '9': 'b', b: 1, '1x': 2 }, a: [{ '2': 0, '10': 1 }] })).to.equal(
      '{"a":[{"10":1,"2":0}],"q":{"10":"a","1x":2,"9":"b","b":1}}',
    );
    // A __proto__ member parsed from a file is data: it must count, not vanish.
    const parsed = JSON.parse('{"a":1,"__proto__":{"x":1}}') as unknown;
    expect(canonicalJson(parsed)).to.equal('{"__proto__":{"x":1},"a":1}');
  });

  // A record with every kind of value an entry holds (nested objects, arrays, integer-like and
  // non-ASCII keys and values, escapes, seconds), and its leaf hash as the first release computed
  // it: records already written must keep their leaves whatever the canonicaliser's implementation.
  const PINNED_RECORD = {
    timestamp: '2026-01-15T09:00:00.123Z',
    level: 'INFO',
    message: 'API Request: GET /api/v1/scans [API Key: ci-scanner]',
    logger: 'apitrail.audit',
    event: 'apitrail.api_request',
    request_id: '01936d3f-7c1e-7a2b-9c4d-5e6f7a8b9c0d',
    authentication_method: 'api_key',
    is_api_key_request: true,
    api_key_id: 'key_7f3a9c',
    tenant_id: 'tenant-\u00fcn\u00efcode "quoted" \\ \u2028',
    method: 'GET',
    path: '/api/v1/scans',
    query_params: { page: '2', provider: ['aws', 'gcp'], '10': 'x' },
    status_code: 200,
    duration: 0.004213,
    source_ip: '203.0.113.17',
    'apitrail.integrity.log_id': '5b0a6d4e-2f61-4a55-9d1e-3c1b7f0e8a92',
    'apitrail.integrity.seq': 41,
    'custom.nested': { b: [1, 2.5, { z: null, a: false }], a: '\ud83d\ude00' },
    trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
    span_id: '00f067aa0ba902b7',
    trace_flags: 1,
  };
  const PINNED_LEAF = 'a3b264adc45946114196e73ff04095c27ee28cccac3d18ffeb48fbedf2d3ead6';

  it('keeps the leaf of a record written by the first release', () => {
    // A recurring layout's copy is compiled after a few dozen records: before and after, one leaf.
    const leaves = new Set(Array.from({ length: 100 }, () => hex(leafHash(canonicalEntry(PINNED_RECORD)))));
    expect([...leaves]).to.deep.equal([PINNED_LEAF]);
    expect(hex(leafHash(canonicalEntry({ ...PINNED_RECORD, status_code: 201 })))).not.to.equal(PINNED_LEAF);
  });

  it('writes the same entry where code generation from strings is disallowed', () => {
    const script = `const { canonicalEntry, leafHash } = require('@apitrail/integrity/internal');
      const record = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
      const leaves = new Set(Array.from({ length: 100 }, () => leafHash(canonicalEntry(record)).toString('hex')));
      process.stdout.write([...leaves].join(','));`;
    const run = (flags: string[]): string =>
      execFileSync(process.execPath, [...flags, '-e', script], {
        input: JSON.stringify(PINNED_RECORD),
        encoding: 'utf8',
      });
    expect(run(['--disallow-code-generation-from-strings'])).to.equal(PINNED_LEAF);
    // Control: the flag does refuse code generation in that process.
    expect(() =>
      execFileSync(process.execPath, ['--disallow-code-generation-from-strings', '-e', 'new Function("")'], {
        stdio: 'pipe',
      }),
    ).to.throw();
  });

  it('equals an independent RFC 8785 serialisation for random records, also as a signed entry', () => {
    const random = seededRandom(0x8785);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    // Record layouts recur (the canonicaliser caches them): few enough to repeat, more than it keeps.
    const layouts = Array.from({ length: 24 }, () =>
      Array.from({ length: 1 + Math.floor(random() * 30) }, () => pick(HOSTILE_KEYS)),
    );
    for (let round = 0; round < 3000; round++) {
      const keys = pick(layouts);
      const record = objectOf(round % 7 === 0 ? [...keys].reverse() : keys, () => randomValue(random, 2));
      const expected = rfc8785(record);
      expect(canonicalJson(record), `round ${round}`).to.equal(expected);
      expect(canonicalJson(JSON.parse(JSON.stringify(record))), `round ${round}, read back`).to.equal(expected);
      const entry: Record<string, unknown> = { ...record, logger: undefined, trace_flags: undefined };
      if (typeof entry.duration === 'number') entry.duration = Math.trunc(entry.duration * 1e9);
      expect(canonicalEntry(record), `round ${round}, entry`).to.equal(rfc8785(entry));
    }
  });
});

/** Keys that have tripped canonicalisers: integer-like, prototype names, non-BMP, lone surrogates, the unsigned fields. */
const HOSTILE_KEYS = [
  'a',
  'b',
  'Z',
  '_',
  '',
  '0',
  '9',
  '10',
  '1x',
  '01',
  '4294967295',
  '__proto__',
  'constructor',
  'toString',
  'toJSON',
  'valueOf',
  '\u00e9',
  '\u20ac',
  '\ud83d\ude00',
  '\ud800',
  '\uffff',
  'logger',
  'trace_flags',
  'duration',
  ATTR_INTEGRITY_SEQUENCE,
  'query_params',
  'timestamp',
];
const HOSTILE_STRINGS = [
  '',
  'plain',
  'quote " back \\ slash',
  'line\nbreak\u2028\u0000\u007f\u009b',
  '\ud800\udc00',
  '\udfff',
  '\u00e9\u20ac',
];
const NUMBERS = [0, -0, 1, -1, 0.1, 200, 1e21, 1e-7, 5e-324, Number.MAX_SAFE_INTEGER, 0.004213, -123.456, Number.NaN];

/** An object with `keys` as own data members (`__proto__` included), later duplicates overwriting earlier ones. */
function objectOf(keys: readonly string[], valueOf: () => unknown): Record<string, unknown> {
  const object: Record<string, unknown> = {};
  for (const key of keys)
    Object.defineProperty(object, key, { value: valueOf(), enumerable: true, writable: true, configurable: true });
  return object;
}

function randomValue(random: () => number, depth: number): unknown {
  const kind = Math.floor(random() * (depth > 0 ? 8 : 6));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  switch (kind) {
    case 0:
    case 1:
      return pick(HOSTILE_STRINGS);
    case 2:
      return pick(NUMBERS);
    case 3:
      return random() < 0.5;
    case 4:
      return null;
    case 5:
      return undefined;
    case 6:
      return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth - 1));
    default:
      return objectOf(
        Array.from({ length: Math.floor(random() * 5) }, () => pick(HOSTILE_KEYS)),
        () => randomValue(random, depth - 1),
      );
  }
}

/** RFC 8785 written out plainly: the oracle for the optimised canonicaliser. */
function rfc8785(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : rfc8785(item))).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const object = value as Record<string, unknown>;
    const members = Object.keys(object)
      .filter((key) => object[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${rfc8785(object[key])}`);
    return `{${members.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** mulberry32: a reproducible stream, so a failing round can be replayed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

describe('readIntegrityConfig', () => {
  it('is off without a key file, and reads a root key made by keygen', () => {
    expect(readIntegrityConfig({}).rootKey).to.equal(undefined);
    const dir = mkdtempSync(join(tmpdir(), 'apitrail-key-'));
    const root = Signer.generate('apitrail-root');
    writeFileSync(join(dir, 'root.key'), `${root.skey}\n`);
    const config = readIntegrityConfig({
      APITRAIL_INTEGRITY_KEY_FILE: join(dir, 'root.key'),
      APITRAIL_INTEGRITY_EPOCH_SECONDS: '60',
    });
    expect(config.rootKey!.verifier.vkey).to.equal(root.verifier.vkey);
    expect(config.epochMs).to.equal(60_000);
    expect(config.checkpointIntervalMs).to.equal(1000);
  });

  const dir = mkdtempSync(join(tmpdir(), 'apitrail-key-'));
  const hmacKeyFile = join(dir, 'hmac.key');
  writeFileSync(hmacKeyFile, `${randomBytes(32).toString('base64')}\n`);
  for (const [env, name] of [
    [{ APITRAIL_INTEGRITY_KEY_FILE: '/nonexistent/apitrail.key' }, 'APITRAIL_INTEGRITY_KEY_FILE'],
    [{ APITRAIL_INTEGRITY_KEY_FILE: hmacKeyFile }, 'APITRAIL_INTEGRITY_KEY_FILE'],
    [{ APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS: '5' }, 'APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS'],
    [{ APITRAIL_INTEGRITY_EPOCH_SECONDS: '0.5' }, 'APITRAIL_INTEGRITY_EPOCH_SECONDS'],
  ] as const) {
    it(`rejects ${JSON.stringify(env).slice(0, 60)}, naming ${name}`, () => {
      expect(() => readIntegrityConfig(env))
        .to.throw(ApitrailConfigError)
        .with.property('setting', name);
    });
  }
});
