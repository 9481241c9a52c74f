// For tests of code that must never leave an unhandled rejection (Node ends the app on one).

/**
 * Called inside a `describe`: each of its tests collects the process's unhandled rejections in the
 * returned array (emptied before each test) instead of mocha's listener, which would fail the run
 * at large rather than the test that caused one.
 */
export function collectUnhandledRejections(): unknown[] {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };
  let listeners: NodeJS.UnhandledRejectionListener[] = [];
  beforeEach(() => {
    unhandled.length = 0;
    listeners = process.listeners('unhandledRejection');
    process.removeAllListeners('unhandledRejection');
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    process.removeListener('unhandledRejection', onUnhandled);
    for (const listener of listeners) process.on('unhandledRejection', listener);
  });
  return unhandled;
}
