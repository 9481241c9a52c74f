// `apitrail analyze` through the real bin on audit records whose values hold raw U+2028 / U+2029:
// valid JSON, and what writers other than apitrail's NDJSON exporter (the Collector's file
// exporter among them) leave raw. Each record is still one line to analyze, as it is to verify,
// plain or gzip-compressed, LF or CRLF: a sender cannot hide a record by cutting it in two.
import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { runApitrail } from '../helpers/apitrail-cli.ts';

const RECORDS = 12;

function auditLines(): string[] {
  const start = Date.now() - 60_000;
  return Array.from({ length: RECORDS }, (_, index) =>
    // JSON.stringify leaves U+2028 and U+2029 raw.
    JSON.stringify({
      timestamp: new Date(start + index * 1000).toISOString(),
      event: 'apitrail.api_request',
      is_api_key_request: true,
      api_key_id: 'key-1',
      source_ip: `203.0.113.${index + 1}`,
      user_agent: `agent\u2028{"event":"apitrail.api_request"}\u2029end`,
      request_id: `r${index}`,
    }),
  );
}

describe('apitrail analyze keeps a record with raw U+2028/U+2029 one line (real bin)', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-separators-'));
  const text = `${auditLines().join('\n')}\n`;
  const inputs = {
    'plain, LF': [join(dir, 'lf.ndjson'), text],
    'plain, CRLF': [join(dir, 'crlf.ndjson'), text.replace(/\n/g, '\r\n')],
    gzip: [join(dir, 'audit.ndjson.gz'), gzipSync(text)],
  } as const;

  for (const [name, [file, content]] of Object.entries(inputs)) {
    it(name, async () => {
      writeFileSync(file, content);
      const { stdout, stderr } = await runApitrail(['analyze', '--json', file]);
      const report = JSON.parse(stdout) as { records: number; auditRecords: number; malformedLines: number };
      expect(report, stderr).to.include({ records: RECORDS, auditRecords: RECORDS, malformedLines: 0 });
    });
  }
});
