// Every JSON the `apitrail` bin prints is terminal-safe: JSON.stringify leaves DEL, the C1 controls
// (U+009B is a one-character CSI, U+0085 a line end to Unicode-aware readers) and U+2028/2029 raw,
// and `quarantine list --json`, `verify --json`, `prove` and `spool status --json` print strings
// that come from records (a key id the detector quarantined, a log id, a record's body) or from
// the file system. Each is escaped as `apitrail analyze --json` escapes its line (ndjsonLine), and
// still parses back to the same values. Real bin, child process.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_CHECKPOINT,
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
} from '@apitrail/core/internal';
import { Signer } from '@apitrail/integrity/internal';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { directLog } from '../helpers/integrity-direct-log.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';

/** DEL, C1 CSI with its parameters, NEL, the two Unicode separators: what JSON.stringify leaves raw. */
const HOSTILE = '\u007f\u009b31m\u0085\u2028\u2029';
const RAW = /[\u007f-\u009f\u2028\u2029]/;

/** A file's NDJSON line as apitrail writes it: the characters above escaped (the readers take it either way). */
function line(object: unknown): string {
  return JSON.stringify(object).replace(
    /[\u007f-\u009f\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

function expectSafe(stdout: string, stderr: string): void {
  expect(stdout, stderr).not.to.equal('');
  expect(RAW.test(stdout), JSON.stringify(stdout)).to.equal(false);
}

describe('apitrail prints every JSON terminal-safe (real bin)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-json-escapes-'));

  it('quarantine list --json: a quarantined key id and reason', async () => {
    const file = join(dir, 'quarantine.json');
    const key = `key_${randomBytes(4).toString('hex')}${HOSTILE}`;
    const added = await runApitrail(['quarantine', 'add', '--file', file, '--reason', `leaked${HOSTILE}`, key]);
    expect(added.code, added.stderr).to.equal(0);
    const { code, stdout, stderr } = await runApitrail(['quarantine', 'list', '--json', '--file', file]);
    expect(code, stderr).to.equal(0);
    expectSafe(stdout, stderr);
    const [entry] = JSON.parse(stdout) as { key: string; reason: string }[];
    expect(entry).to.include({ key, reason: `leaked${HOSTILE}` });
  });

  it('verify --json: a log id from the records', async () => {
    const rootKey = rootKeyFiles();
    const logId = `log${HOSTILE}`;
    const file = join(dir, 'forged.ndjson');
    writeFileSync(
      file,
      `${line({ timestamp: new Date().toISOString(), [ATTR_INTEGRITY_LOG_ID]: logId, [ATTR_INTEGRITY_SEQUENCE]: -1 })}\n`,
    );
    const { code, stdout, stderr } = await runApitrail(['verify', '--json', '--public-key', rootKey.publicFile, file]);
    expect(code, stderr).to.equal(1);
    expectSafe(stdout, stderr);
    const report = JSON.parse(stdout) as { findings: { kind: string; logId?: string }[] };
    expect(report.findings).to.deep.include.members([
      { kind: 'modified', logId, location: `${file}:1`, detail: 'record with an invalid sequence number' },
    ]);
  });

  it('prove: a record whose body holds them; verify-proof still accepts the escaped bundle', async () => {
    const root = Signer.generate('apitrail-root');
    const publicKey = join(dir, 'apitrail-root.pub');
    writeFileSync(publicKey, `${root.verifier.vkey}\n`);
    const log = directLog(root, 4, (n) => `entry ${n}${HOSTILE}`);
    const logId = log.records[0]![ATTR_INTEGRITY_LOG_ID];
    const checkpoint = {
      timestamp: '2026-01-15T09:00:01.000Z',
      event: APITRAIL_EVENTS.integrityCheckpoint,
      [ATTR_INTEGRITY_LOG_ID]: logId,
      [ATTR_INTEGRITY_CHECKPOINT]: log.sign(4),
    };
    const file = join(dir, 'log.ndjson');
    writeFileSync(file, `${[...log.records, checkpoint].map(line).join('\n')}\n`);
    const proved = await runApitrail(['prove', '--public-key', publicKey, '--seq', '2', file]);
    expect(proved.code, proved.stderr).to.equal(0);
    expectSafe(proved.stdout, proved.stderr);
    expect((JSON.parse(proved.stdout) as { record: { body: string } }).record.body).to.equal(`entry 2${HOSTILE}`);
    const bundle = join(dir, 'bundle.json');
    writeFileSync(bundle, proved.stdout);
    const checked = await runApitrail(['verify-proof', '--public-key', publicKey, bundle]);
    expect(checked.stdout, checked.stderr).to.match(/^OK: seq 2 of log /);
  });

  it('spool status --json: a file name in the spool directory', async () => {
    const spool = join(dir, 'spool');
    mkdirSync(spool);
    const name = `stray${HOSTILE}.txt`;
    writeFileSync(join(spool, name), 'x');
    const { code, stdout, stderr } = await runApitrail(['spool', 'status', '--json', '--dir', spool]);
    expect(code, stderr).to.equal(0);
    expectSafe(stdout, stderr);
    expect((JSON.parse(stdout) as { otherFiles: string[] }).otherFiles).to.deep.equal([name]);
  });
});
