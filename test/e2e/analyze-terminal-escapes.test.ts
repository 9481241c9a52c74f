// `apitrail analyze` through the real bin on audit records whose key id, key name and tenant carry
// terminal controls (an OSC that retitles the window, BEL, CSI colour, the one-byte C1 CSI) and
// Unicode line separators. Log data is hostile: records reach analyze from any OTLP sender via the
// archive, or from an app that sets identity from its own data. Whatever the format, what analyze
// prints to the operator's terminal carries none of those characters raw.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runApitrail } from '../helpers/apitrail-cli.ts';

const CONTROLS = '\u001b]0;pwned\u0007\u001b[31m\u009b31m\u2028\u2029\u007f';
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/;

describe('apitrail analyze prints no terminal controls from the records (real bin)', function () {
  this.timeout(60_000);
  let file = '';

  before(() => {
    file = join(mkdtempSync(join(tmpdir(), 'apitrail-escapes-')), 'audit.ndjson');
    const start = Date.now() - 60_000;
    // Twelve 401s from distinct addresses: enough for an alert, so its table is printed too.
    const lines = Array.from({ length: 12 }, (_, index) =>
      JSON.stringify({
        timestamp: new Date(start + index * 1000).toISOString(),
        event: 'apitrail.api_request',
        is_api_key_request: true,
        api_key_id: `key${CONTROLS}`,
        api_key_name: `name${CONTROLS}`,
        tenant_id: `tenant${CONTROLS}`,
        source_ip: `203.0.113.${index + 1}`,
        http_method: 'GET',
        url_path: `/p${CONTROLS}`,
        http_status: 401,
        user_agent: `ua${CONTROLS}`,
        request_id: `r${index}`,
      }),
    );
    // Escaped as apitrail's NDJSON writer escapes them: analyze splits lines at U+2028/2029 as readline does.
    writeFileSync(
      file,
      `${lines.join('\n').replace(/[\u2028\u2029]/g, (separator) => `\\u${separator.charCodeAt(0).toString(16)}`)}\n`,
    );
  });

  for (const args of [[], ['--json'], ['--by-key'], ['--by-key', '--json'], ['--by-key', '--csv']]) {
    it(`analyze ${args.join(' ')}`, async () => {
      const { stdout, stderr } = await runApitrail(['analyze', ...args, file]);
      expect(stdout, stderr).to.include('key');
      for (const [index, line] of stdout.split(/\r?\n/).entries()) {
        expect(RAW_CONTROL.test(line), `stdout line ${index}: ${JSON.stringify(line)}`).to.equal(false);
      }
      expect(RAW_CONTROL.test(stderr), JSON.stringify(stderr)).to.equal(false);
    });
  }
});
