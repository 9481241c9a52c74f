// The spool's `exit` listeners put back after an app removes them: the drain first, the summary
// last, the listeners marked with keepFirstAtExit (the request tracker's) before the drain, and
// apitrail's listeners that keep them so. Run in a child process: the test's own process keeps its
// listeners.
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { repoRoot } from '../helpers/app.ts';

const SCRIPT = `
const { keepFirstAtExit } = require('@apitrail/core/internal');
const { DurableBatchLogRecordProcessor } = require('@apitrail/spool/internal');
const sink = {
  write() {}, forceFlush: async () => {}, shutdown: async () => {}, exitSync() {}, persistSync() {},
  recordsWaiting: () => 0,
};
new DurableBatchLogRecordProcessor({ sink, flushIntervalMs: 100, channel: 'logs/test' });
function trackerAtExit() {}
keepFirstAtExit(trackerAtExit);
process.prependListener('exit', trackerAtExit);
process.on('exit', function appListener() {});
const names = (event) => process.listeners(event).map((listener) => listener.name);
if (process.argv[1] === 'every') process.removeAllListeners();
else process.removeAllListeners('exit');
const removed = names('exit');
setImmediate(() => {
  console.log(JSON.stringify({
    removed,
    exit: names('exit'),
    newListener: names('newListener'),
    removeListener: names('removeListener'),
    uncaughtExceptionMonitor: names('uncaughtExceptionMonitor'),
  }));
});
`;

function run(mode: 'exit' | 'every'): Record<string, string[]> {
  const result = spawnSync(process.execPath, ['-e', SCRIPT, mode], { cwd: repoRoot, encoding: 'utf8' });
  expect(result.status, result.stderr).to.equal(0);
  return JSON.parse(result.stdout) as Record<string, string[]>;
}

describe('the exit listeners an app removes', () => {
  it("removeAllListeners('exit'): the marked listener, the drain and the summary come back, in that order", () => {
    const listeners = run('exit');
    expect(listeners.removed).to.deep.equal([]);
    expect(listeners.exit).to.deep.equal(['trackerAtExit', 'drainAtExit', 'finishAtExit']);
  });

  it('removeAllListeners(): the same, and the listeners that keep them in place', () => {
    const listeners = run('every');
    expect(listeners.removed).to.deep.equal([]);
    expect(listeners.exit).to.deep.equal(['trackerAtExit', 'drainAtExit', 'finishAtExit']);
    expect(listeners.newListener).to.deep.equal(['keepFinishLast']);
    expect(listeners.removeListener).to.deep.equal(['restoreExitListeners']);
    expect(listeners.uncaughtExceptionMonitor).to.deep.equal(['finishIfExitStopped']);
  });
});
