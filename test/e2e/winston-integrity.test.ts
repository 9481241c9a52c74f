// winston lines are signed like apitrail's own records: an Express app under the register, with an
// integrity key, logs with winston inside requests; the NDJSON file and the collector's file both
// pass `apitrail verify`, the winston lines among the signed records, and editing one winston line
// (its message, or the tenant it is attributed to) is caught.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_FINAL,
  ATTR_INTEGRITY_LOG_ID,
  ATTR_INTEGRITY_SEQUENCE,
  ATTR_TENANT_ID,
  EVENT_API_REQUEST,
} from '@apitrail/core/internal';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { startApp } from '../helpers/app.ts';
import { exportingTo, requireCollector, startCollector, type RunningCollector } from '../helpers/collector.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { waitFor } from '../helpers/wait.ts';

/** The lines examples/winston/api.js writes for one accepted and one rejected request. */
const WINSTON_LINES = ['listing scans', 'upstream failed', 'rejected credentials'];

interface Finding {
  readonly kind: string;
  readonly location?: string;
  readonly detail: string;
}

interface OtlpRecord {
  body?: { stringValue?: string };
  attributes?: { key: string; value: Record<string, unknown> }[];
}
interface OtlpLine {
  resourceLogs: { scopeLogs: { scope?: { name?: string }; logRecords: OtlpRecord[] }[] }[];
}

describe('winston lines under integrity, verified by apitrail verify', function () {
  let collector: RunningCollector;
  let workDir: string;
  let ndjsonFile: string;
  let otlpFile: string;
  const rootKey = rootKeyFiles();
  const env = rootKey.env;

  before(async function () {
    const binary = await requireCollector(this);
    collector = await startCollector(binary, 'local-file.yaml');
    workDir = await mkdtemp(join(tmpdir(), 'apitrail-winston-integrity-'));
    ndjsonFile = join(workDir, 'app.ndjson');
    otlpFile = join(collector.outputDir, 'logs.jsonl');
    const key = `pk_${randomBytes(4).toString('hex')}.${randomBytes(24).toString('base64url')}`;
    const app = await startApp({
      script: 'examples/winston/express.js',
      env: {
        ...exportingTo(collector, 'otlp,ndjson'),
        OTEL_SERVICE_NAME: 'winston-integrity-e2e',
        APITRAIL_NDJSON_FILE: ndjsonFile,
        DEMO_API_KEY: key,
        ...env,
      },
    });
    const accepted = await fetch(`${app.baseUrl}/api/v1/scans`, { headers: { authorization: `Bearer ${key}` } });
    expect(accepted.status).to.equal(200);
    const rejected = await fetch(`${app.baseUrl}/api/v1/scans`, { headers: { authorization: 'Bearer pk_x.wrong' } });
    expect(rejected.status).to.equal(401);
    await app.stop();
    await waitFor('the closing checkpoint in the collector file', async () =>
      (await collector.logs()).some(
        (record) =>
          record.eventName === APITRAIL_EVENTS.integrityCheckpoint && record.attributes[ATTR_INTEGRITY_FINAL] === true,
      )
        ? true
        : undefined,
    );
    await collector.stop();
  });

  after(async () => {
    await collector?.stop();
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  });

  async function verify(file: string) {
    const result = await runApitrail(['verify', '--json', '--public-key', rootKey.publicFile, file]);
    const report = result.stdout === '' ? undefined : (JSON.parse(result.stdout) as { findings: Finding[] });
    const findings = report?.findings ?? [];
    return { ...result, findings, kinds: findings.map((finding) => finding.kind) };
  }

  /**
   * `verify` fails with one `modified` finding whose sequence range (the records between two
   * checkpoints) holds the edited record, and nothing else.
   */
  async function expectCaught(edit: { file: string; line: number }, sequence: number): Promise<void> {
    const result = await verify(edit.file);
    expect(result.code).to.equal(1);
    expect(result.kinds).to.deep.equal(['modified']);
    const [, first, last] = /^seq (\d+)-(\d+) /.exec(result.findings[0]!.detail) ?? [];
    expect(Number(first), result.findings[0]!.detail).to.be.at.most(sequence);
    expect(Number(last), result.findings[0]!.detail).to.be.at.least(sequence);
  }

  /** The sequence number of the winston record whose message starts with `text`. */
  async function sequenceOf(text: string): Promise<number> {
    const line = (await ndjsonLines()).find(
      (fields) => fields.logger === 'app' && String(fields.message).startsWith(text),
    );
    return line![ATTR_INTEGRITY_SEQUENCE] as number;
  }

  /** A copy of `source` with `edit` applied to its lines; which line (1-based) changed. */
  async function edited(
    source: string,
    name: string,
    edit: (lines: string[]) => string[],
  ): Promise<{ file: string; line: number }> {
    const lines = (await readFile(source, 'utf8')).split('\n').filter((line) => line !== '');
    const editedLines = edit(lines);
    const changed = editedLines.flatMap((line, index) => (line === lines[index] ? [] : [index + 1]));
    expect(changed, 'lines edited').to.have.length(1);
    const file = join(workDir, name);
    await writeFile(file, editedLines.join('\n') + '\n');
    return { file, line: changed[0]! };
  }

  const ndjsonLines = async (): Promise<Record<string, unknown>[]> =>
    (await readFile(ndjsonFile, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);

  /** Edits the one NDJSON winston line whose message starts with `text`; the other lines stay byte for byte. */
  function inNdjsonLine(text: string, edit: (line: Record<string, unknown>) => void): (lines: string[]) => string[] {
    return (lines) => {
      const matching = lines.filter((line) => {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        return parsed.logger === 'app' && String(parsed.message).startsWith(text);
      });
      expect(matching, text).to.have.length(1);
      return lines.map((line) => {
        if (line !== matching[0]) return line;
        const parsed = JSON.parse(line) as Record<string, unknown>;
        edit(parsed);
        return JSON.stringify(parsed);
      });
    };
  }

  /** Edits the one winston record (scope `app`) whose body starts with `text`, in the collector's file. */
  function inOtlpRecord(text: string, edit: (record: OtlpRecord) => void): (lines: string[]) => string[] {
    return (lines) => {
      let found = 0;
      const rewritten = lines.map((line) => {
        const payload = JSON.parse(line) as OtlpLine;
        const records = payload.resourceLogs
          .flatMap((resource) => resource.scopeLogs)
          .filter((scope) => scope.scope?.name === 'app')
          .flatMap((scope) => scope.logRecords)
          .filter((record) => record.body?.stringValue?.startsWith(text) === true);
        if (records.length === 0) return line;
        found += records.length;
        records.forEach(edit);
        return JSON.stringify(payload);
      });
      expect(found, text).to.equal(1);
      return rewritten;
    };
  }

  it('numbers every winston line into the log, like the audit records', async () => {
    const lines = await ndjsonLines();
    const winston = lines.filter((line) => line.logger === 'app');
    expect(winston.map((line) => String(line.message).split(' ').slice(0, 2).join(' ')).sort()).to.deep.equal(
      [...WINSTON_LINES].sort(),
    );
    const logId = lines.find((line) => line.event === EVENT_API_REQUEST)?.[ATTR_INTEGRITY_LOG_ID];
    expect(logId).to.be.a('string');
    for (const line of winston) {
      expect(line[ATTR_INTEGRITY_SEQUENCE], String(line.message)).to.be.a('number');
      expect(line[ATTR_INTEGRITY_LOG_ID]).to.equal(logId);
    }
  });

  it('passes the untouched NDJSON file and the untouched collector file', async () => {
    for (const file of [ndjsonFile, otlpFile]) {
      const result = await verify(file);
      expect(result.stderr, file).to.equal('');
      expect(result.kinds, file).to.deep.equal([]);
      expect(result.code, file).to.equal(0);
    }
  });

  it('catches an edited winston message in the NDJSON file', async () => {
    await expectCaught(
      await edited(
        ndjsonFile,
        'message.ndjson',
        inNdjsonLine('listing scans', (line) => (line.message = 'listing scans: nothing to see')),
      ),
      await sequenceOf('listing scans'),
    );
  });

  it('catches a winston line moved to another tenant in the NDJSON file', async () => {
    await expectCaught(
      await edited(
        ndjsonFile,
        'tenant.ndjson',
        inNdjsonLine('upstream failed', (line) => {
          expect(line.tenant_id).to.equal('tenant-demo-1');
          line.tenant_id = 'tenant-other';
        }),
      ),
      await sequenceOf('upstream failed'),
    );
  });

  it('catches an edited winston record in the collector file', async () => {
    const message = await edited(
      otlpFile,
      'message.jsonl',
      inOtlpRecord('listing scans', (record) => (record.body = { stringValue: 'listing scans: nothing to see' })),
    );
    await expectCaught(message, await sequenceOf('listing scans'));
    const tenant = await edited(
      otlpFile,
      'tenant.jsonl',
      inOtlpRecord('upstream failed', (record) => {
        const tenantId = record.attributes!.find((attribute) => attribute.key === ATTR_TENANT_ID)!;
        expect(tenantId.value).to.deep.equal({ stringValue: 'tenant-demo-1' });
        tenantId.value = { stringValue: 'tenant-other' };
      }),
    );
    await expectCaught(tenant, await sequenceOf('upstream failed'));
  });
});
