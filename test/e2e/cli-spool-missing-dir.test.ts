// `apitrail spool status|export|replay` on a spool directory that is not there (a typo in --dir, an
// app that never spooled): one line naming the directory, no stack trace. status and export cannot
// report on it, a usage error (exit 2, exit 1 is "records remain"); replay has nothing to send, not
// an error (exit 0), and creates nothing. Against the real bin.
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { runApitrail } from '../helpers/apitrail-cli.ts';

describe('apitrail spool on a directory that is not there', () => {
  const missing = (): string => join(mkdtempSync(join(tmpdir(), 'apitrail-spool-missing-')), 'no-such-spool');

  for (const args of [['status'], ['status', '--json'], ['export', '--ndjson']]) {
    it(`spool ${args.join(' ')}: one line naming it, exit 2`, async () => {
      const dir = missing();
      const run = await runApitrail(['spool', ...args, '--dir', dir]);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.equal(`apitrail: ${dir}: no spool directory there\n`);
      expect(run.code).to.equal(2);
      expect(existsSync(dir)).to.equal(false);
    });
  }

  it('spool status on a file instead of a directory: one line, exit 2', async () => {
    const file = missing();
    writeFileSync(file, 'not a spool');
    const run = await runApitrail(['spool', 'status', '--dir', file]);
    expect(run.stderr).to.equal(`apitrail: ${file}: not a directory\n`);
    expect(run.code).to.equal(2);
  });

  for (const args of [['replay'], ['replay', '--refused']]) {
    it(`spool ${args.join(' ')}: nothing to replay, exit 0, no directory made`, async () => {
      const dir = missing();
      const run = await runApitrail(['spool', ...args, '--dir', dir], {
        // An endpoint nothing listens on: the command must not need one to say there is nothing.
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
      });
      expect(run.stderr).to.equal('');
      expect(run.stdout).to.equal(`${dir}: no spool directory there, nothing to replay\n`);
      expect(run.code).to.equal(0);
      expect(existsSync(dir)).to.equal(false);
    });
  }
});
