// A witness forgets logs not extended for its retention, so its state holds the logs of the last
// while and not of every process ever started. Forgetting must not reopen the door it guards: a
// log it forgot is refused, not cosigned afresh (which would cosign its rollback or a fork), while
// within retention rollbacks and forks are refused as before, and new logs are cosigned.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ATTR_INTEGRITY_LOG_ID, ATTR_INTEGRITY_SEQUENCE } from '@apitrail/core/internal';
import {
  EpochKeys,
  SIGNATURE_TYPE,
  Signer,
  Witness,
  WitnessState,
  canonicalEntry,
  consistencyProof,
  forgottenArchive,
  leafArray,
  leafHash,
  logOrigin,
  subtreeHash,
  type LeafHashes,
  type WitnessedLog,
} from '@apitrail/integrity/internal';

const DAY = 86_400_000;
const RETENTION = 30 * DAY;
const T0 = Date.parse('2026-01-01T00:00:00Z');

interface TimedLog {
  readonly origin: string;
  readonly leaves: LeafHashes;
  sign(size: number): string;
  /** A checkpoint of `size` over other records, signed by the log's own epoch key (a host compromised). */
  fork(size: number): string;
}

/** A log of 20 records whose certificate says it started at `startMs`. */
function timedLog(root: Signer, startMs: number): TimedLog {
  const id = randomBytes(8).toString('hex');
  const leavesOf = (body: string): LeafHashes =>
    leafArray(
      Array.from({ length: 20 }, (_, n) =>
        leafHash(
          canonicalEntry({
            timestamp: '2026-01-01T00:00:00.000Z',
            level: 'INFO',
            [ATTR_INTEGRITY_LOG_ID]: id,
            [ATTR_INTEGRITY_SEQUENCE]: n,
            body: `${body} ${n}`,
          }),
        ),
      ),
    );
  const leaves = leavesOf('entry');
  const forged = leavesOf('forged');
  const keys = new EpochKeys(root, logOrigin(id), 3_600_000, startMs, 4);
  return {
    origin: logOrigin(id),
    leaves,
    sign: (size) => keys.sign(size, subtreeHash(leaves, 0, size)),
    fork: (size) => keys.sign(size, subtreeHash(forged, 0, size)),
  };
}

describe('witness retention: forgetting idle logs without cosigning them afresh', () => {
  const root = Signer.generate('apitrail-root');
  const witnessKey = Signer.generate('witness.example/w1', SIGNATURE_TYPE.cosignature);

  it('forgets a log idle past retention, keeps it on disk, and refuses it afterwards (rollback and fork included)', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'apitrail-retention-')), 'state.json');
    let now = T0;
    const witness = new Witness(witnessKey, root.verifier, WitnessState.load(file, now), () => now);
    const idle = timedLog(root, T0);
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: idle.sign(10) }).status).to.equal(200);

    // Within retention nothing is forgotten, and the fork is refused as a fork.
    now = T0 + RETENTION - 1;
    expect(witness.state.forget(now, RETENTION).logs).to.equal(0);
    expect(witness.add({ oldSize: 10, proof: [], checkpoint: idle.fork(10) }).status).to.equal(422);

    // A log extended recently, started just before the idle one's retention ran out.
    now = T0 + RETENTION + DAY;
    const active = timedLog(root, T0 + DAY + 1);
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: active.sign(10) }).status).to.equal(200);

    expect(witness.state.forget(now, RETENTION)).to.deep.equal({ logs: 1, startedBy: T0 });
    expect(witness.state.get(idle.origin)).to.equal(undefined);
    expect(witness.state.get(active.origin)!.size).to.equal(10);
    const archived = readFileSync(forgottenArchive(file), 'utf8').trimEnd().split('\n');
    expect(archived.map((line) => (JSON.parse(line) as { origin: string }).origin)).to.deep.equal([idle.origin]);

    // The forgotten log: its fork, its rollback (an older checkpoint) and its extension are all
    // refused, whatever size the caller claims the witness holds.
    for (const [name, checkpoint] of [
      ['fork', idle.fork(10)],
      ['larger fork', idle.fork(15)],
      ['rollback', idle.sign(5)],
      ['extension', idle.sign(20)],
    ] as const) {
      for (const oldSize of [0, 10]) {
        const answer = witness.add({ oldSize, proof: [], checkpoint });
        expect(answer.status, `${name} old ${oldSize}`).to.equal(422);
        expect(answer.status === 422 && answer.reason, name).to.match(
          /no longer holds logs started by 2026-01-01T00:00:00\.000Z/,
        );
      }
    }

    // Control: a witness that had simply dropped the entry (no memory of having forgotten) would
    // cosign the fork as a first checkpoint.
    const amnesic = new Witness(witnessKey, root.verifier, new WitnessState(undefined), () => now);
    expect(amnesic.add({ oldSize: 0, proof: [], checkpoint: idle.fork(10) }).status).to.equal(200);

    // The log kept is still guarded: rollback 400, fork 422, extension 200.
    expect(witness.add({ oldSize: 10, proof: [], checkpoint: active.sign(5) }).status).to.equal(400);
    expect(witness.add({ oldSize: 10, proof: [], checkpoint: active.fork(10) }).status).to.equal(422);
    const extended = witness.add({
      oldSize: 10,
      proof: consistencyProof(active.leaves, 10, 20),
      checkpoint: active.sign(20),
    });
    expect(extended.status).to.equal(200);
    // A log started after the last forgotten one is new to the witness: cosigned.
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: timedLog(root, now).sign(3) }).status).to.equal(200);

    // All of it survives a restart.
    const reloaded = new Witness(witnessKey, root.verifier, WitnessState.load(file, now), () => now);
    expect(reloaded.state.forgotten).to.deep.equal({ logs: 1, startedBy: T0 });
    expect(reloaded.add({ oldSize: 0, proof: [], checkpoint: idle.fork(10) }).status).to.equal(422);
    expect(reloaded.add({ oldSize: 20, proof: [], checkpoint: active.fork(20) }).status).to.equal(422);
  });

  it('keeps a log whose certificate starts in the future until the witness clock is past it, so a skewed host cannot push the cut-off ahead', () => {
    let now = T0;
    const witness = new Witness(witnessKey, root.verifier, new WitnessState(undefined, {}, undefined, now), () => now);
    const ahead = timedLog(root, T0 + 365 * DAY);
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: ahead.sign(10) }).status).to.equal(200);
    now = T0 + 2 * RETENTION;
    expect(witness.state.forget(now, RETENTION).logs).to.equal(0);
    // Logs of hosts with a right clock are still new to it.
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: timedLog(root, now - DAY).sign(3) }).status).to.equal(200);
  });

  it('counts an entry of a state written without `at` from when the state is loaded', () => {
    const witness = new Witness(witnessKey, root.verifier, new WitnessState(undefined), () => T0);
    const log = timedLog(root, T0);
    expect(witness.add({ oldSize: 0, proof: [], checkpoint: log.sign(10) }).status).to.equal(200);
    const old: WitnessedLog = { ...witness.state.get(log.origin)!, at: undefined };
    delete (old as { at?: number }).at;
    const loaded = new WitnessState(undefined, { [log.origin]: old }, undefined, T0 + RETENTION);
    expect(loaded.forget(T0 + RETENTION + DAY, RETENTION).logs).to.equal(0);
    expect(loaded.forget(T0 + 2 * RETENTION, RETENTION).logs).to.equal(1);
  });
});
