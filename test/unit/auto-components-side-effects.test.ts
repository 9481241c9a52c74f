// Building apitrail's components changes nothing in the process until the SDK starts with them:
// a winston already loaded keeps its own Logger until then (the register and startApitrail()
// enable the instrumentation at start, and it then patches a winston loaded before it).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import winston from 'winston';
import { apitrailComponents } from '@apitrail/auto';

describe('apitrailComponents(): nothing patched until the SDK starts', () => {
  it('leaves an already loaded winston Logger as it was', () => {
    const prototype = Object.getPrototypeOf(winston.createLogger()) as Record<string, unknown>;
    const before = { write: prototype.write, configure: prototype.configure, clear: prototype.clear };
    const components = apitrailComponents({
      // A spool of its own, not one in the user's state directory.
      env: {
        OTEL_SERVICE_NAME: 'components-side-effects',
        APITRAIL_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'apitrail-components-')),
      },
    });
    expect(components.instrumentations.length).to.be.above(0);
    expect({ write: prototype.write, configure: prototype.configure, clear: prototype.clear }).to.deep.equal(before);
  });
});
