// The signed records as SIEMs hold them: an app under the register with integrity on sends its
// audit records and checkpoints through the real gateway with siem-audit-records.yaml,
// siem-elasticsearch.yaml (ECS mapping mode, into a real OpenSearch node, read back from its index) and
// siem-splunk.yaml (to a raw HEC endpoint that records every event as the exporter sent it). The
// ECS documents and the HEC events, one per line, verify with the public key only — re-serialised,
// renamed to ECS fields, durations in integer nanoseconds, resource fields mixed in — and every
// tampering is caught in each shape.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { APITRAIL_EVENTS } from '@apitrail/core/internal';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { startAppOnAgent, startAuditSiemGateway, type Gateway } from '../helpers/apitrail-pipeline.ts';
import { requireCollector } from '../helpers/collector.ts';
import { startTestOpenSearch, type TestOpenSearch } from '../helpers/opensearch.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { freePort } from '../helpers/ports.ts';
import { waitFor } from '../helpers/wait.ts';

const REQUESTS = 12;

/** A HEC endpoint answering as Splunk and keeping each event object as the exporter sent it. */
async function startRawHec(): Promise<{ endpoint: string; events: Record<string, unknown>[]; server: Server }> {
  const events: Record<string, unknown>[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      let text = (request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8');
      // The body is a stream of concatenated JSON objects.
      while (text.trim() !== '') {
        const { value, rest } = firstJsonObject(text);
        events.push(value);
        text = rest;
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"Success","code":0}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${port}/services/collector`, events, server };
}

function firstJsonObject(text: string): { value: Record<string, unknown>; rest: string } {
  const start = text.indexOf('{');
  let depth = 0;
  let inString = false;
  for (let index = start; index < text.length; index++) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{') depth++;
    else if (char === '}' && --depth === 0) {
      return {
        value: JSON.parse(text.slice(start, index + 1)) as Record<string, unknown>,
        rest: text.slice(index + 1),
      };
    }
  }
  throw new Error('unterminated JSON object in a HEC body');
}

describe('integrity through the SIEM shapes: ECS documents and Splunk HEC events verify, and tampering is caught', function () {
  this.timeout(180_000);
  const rootKey = rootKeyFiles();
  let gateway: Gateway;
  let siem: TestOpenSearch;
  let hec: Awaited<ReturnType<typeof startRawHec>>;
  let workDir: string;
  const shapes: Record<'ecs' | 'hec', Record<string, unknown>[]> = { ecs: [], hec: [] };

  before(async function () {
    const binary = await requireCollector(this);
    workDir = await mkdtemp(join(tmpdir(), 'apitrail-integrity-siem-'));
    siem = await startTestOpenSearch();
    hec = await startRawHec();
    gateway = await startAuditSiemGateway(binary, hec.endpoint, siem.url);
    const app = await startAppOnAgent(gateway, 'examples/node-http/server.js', {
      ...rootKey.env,
      APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS: '200',
    });
    for (let n = 0; n < REQUESTS; n++) {
      const response = await fetch(`${app.baseUrl}/api/v1/scans?page=${n}&sort=-id`, {
        headers: { 'x-request-id': `siem-${n}` },
      });
      await response.arrayBuffer();
    }
    await app.stop();
    const closed = (documents: Record<string, unknown>[], finalOf: (document: Record<string, unknown>) => unknown) =>
      documents.some((document) => finalOf(document) === true);
    await waitFor('the closing checkpoint in both SIEMs', async () => {
      shapes.ecs = await siem.documents('apitrail-security');
      shapes.hec = [...hec.events];
      const ecsClosed = closed(
        shapes.ecs,
        (document) => (document.apitrail as { integrity?: { final?: boolean } } | undefined)?.integrity?.final,
      );
      const hecClosed = closed(
        shapes.hec,
        (event) => (event.fields as Record<string, unknown>)['apitrail.integrity.final'],
      );
      return ecsClosed && hecClosed ? true : undefined;
    });
  });

  after(async () => {
    await gateway?.stop();
    await siem?.stop();
    hec?.server.close();
  });

  async function verify(lines: Record<string, unknown>[], name: string) {
    const file = join(workDir, name);
    await writeFile(file, lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
    const result = await runApitrail(['verify', '--json', '--public-key', rootKey.publicFile, file]);
    const report = JSON.parse(result.stdout) as { records: number; findings: { kind: string; detail: string }[] };
    return { ...result, report, kinds: report.findings.map((finding) => finding.kind) };
  }

  const isCheckpoint = (shape: 'ecs' | 'hec', line: Record<string, unknown>): boolean =>
    shape === 'ecs'
      ? (line.event as { action?: string } | undefined)?.action === APITRAIL_EVENTS.integrityCheckpoint
      : (line.fields as Record<string, unknown>)['event.name'] === APITRAIL_EVENTS.integrityCheckpoint;
  const statusOf = (shape: 'ecs' | 'hec', line: Record<string, unknown>): Record<string, unknown> =>
    shape === 'ecs'
      ? ((line.http as Record<string, Record<string, unknown>>).response as Record<string, unknown>)
      : (line.fields as Record<string, unknown>);
  const statusKey = (shape: 'ecs' | 'hec'): string => (shape === 'ecs' ? 'status_code' : 'http.response.status_code');

  for (const shape of ['ecs', 'hec'] as const) {
    describe(shape === 'ecs' ? 'Elasticsearch documents (ECS mapping mode)' : 'Splunk HEC events', () => {
      const audit = (): Record<string, unknown>[] => shapes[shape].filter((line) => !isCheckpoint(shape, line));

      it('verify passes them as the SIEM received them, in any order', async () => {
        expect(audit()).to.have.length(REQUESTS);
        const clean = await verify(shapes[shape], `${shape}.jsonl`);
        expect(clean.stderr).to.equal('');
        expect(clean.kinds, JSON.stringify(clean.report.findings)).to.deep.equal([]);
        expect(clean.code).to.equal(0);
        expect((await verify([...shapes[shape]].reverse(), `${shape}-reversed.jsonl`)).code).to.equal(0);
        if (shape === 'ecs') {
          // As a search API or an export tool returns them: hits wrapping each document in _source.
          const hits = shapes.ecs.map((document, index) => ({
            _index: 'apitrail-security',
            _id: String(index),
            _source: document,
          }));
          expect((await verify(hits, 'ecs-hits.jsonl')).kinds).to.deep.equal([]);
        }
      });

      it('catches an edited status code', async () => {
        const edited = shapes[shape].map((line) => structuredClone(line));
        const target = edited.find((line) => !isCheckpoint(shape, line))!;
        statusOf(shape, target)[statusKey(shape)] = 500;
        const result = await verify(edited, `${shape}-edited.jsonl`);
        expect(result.code).to.equal(1);
        expect(result.kinds).to.include('modified');
      });

      it('catches a deleted and an inserted record; an identical copy is counted, not a finding', async () => {
        const lines = shapes[shape];
        const victim = lines.indexOf(audit()[3]!);
        expect(
          (
            await verify(
              lines.filter((_, index) => index !== victim),
              `${shape}-deleted.jsonl`,
            )
          ).kinds,
        ).to.include('deleted');
        const duplicated = await verify([...lines, lines[victim]!], `${shape}-duplicated.jsonl`);
        expect(duplicated.kinds).to.deep.equal([]);
        expect(duplicated.stdout).to.include('"duplicates":1');
        const unsigned = structuredClone(lines[victim]!);
        if (shape === 'ecs') delete (unsigned.apitrail as Record<string, unknown>).integrity;
        else {
          const fields = unsigned.fields as Record<string, unknown>;
          delete fields['apitrail.integrity.log_id'];
          delete fields['apitrail.integrity.seq'];
        }
        expect((await verify([...lines, unsigned], `${shape}-inserted.jsonl`)).kinds).to.include('inserted');
      });

      it('catches a truncated tail and a log re-signed under another root key', async () => {
        const lines = shapes[shape];
        const closing = lines.findIndex(
          (line) =>
            isCheckpoint(shape, line) &&
            (shape === 'ecs'
              ? (line.apitrail as { integrity: { final?: boolean } }).integrity.final
              : (line.fields as Record<string, unknown>)['apitrail.integrity.final']) === true,
        );
        const cut = await verify(
          lines.filter((_, index) => index !== closing),
          `${shape}-cut.jsonl`,
        );
        expect(cut.kinds).to.include('truncated');
        const other = rootKeyFiles();
        const wrongKey = await runApitrail([
          'verify',
          '--json',
          '--public-key',
          other.publicFile,
          join(workDir, `${shape}.jsonl`),
        ]);
        expect(wrongKey.code).to.equal(1);
        expect(wrongKey.stdout).to.include('wrong_key');
      });
    });
  }
});
