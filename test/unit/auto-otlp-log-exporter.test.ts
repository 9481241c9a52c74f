// The register's OTLP log exporter against a real HTTP receiver that accepts an export but refuses
// some of its records (an OTLP partial success): the refused records are handed on to be counted
// as dropped, in both encodings, and an export without refusals hands nothing on.
import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { LoggerProvider, type ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { OtlpLogExporter, type OtlpLogProtocol } from '@apitrail/auto/internal';

/** ExportLogsServiceResponse { partial_success { rejected_log_records, error_message } }, by hand. */
function protobufPartialSuccess(rejected: number, message: string): Buffer {
  const text = Buffer.from(message);
  const inner = Buffer.concat([Buffer.from([0x08, rejected]), Buffer.from([0x12, text.length]), text]);
  return Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
}

interface Receiver {
  readonly url: string;
  /** The next answers' body, per encoding; an empty body is a full success. */
  answer: { protobuf: Buffer; json: string };
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'close'> = { answer: { protobuf: Buffer.alloc(0), json: '' } };
  const server: Server = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      const json = request.headers['content-type'] === 'application/json';
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? receiver.answer.json : receiver.answer.protobuf);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/v1/logs`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

function auditRecords(count: number): ReadWriteLogRecord[] {
  const records: ReadWriteLogRecord[] = [];
  const logger = new LoggerProvider({
    processors: [
      { onEmit: (record) => void records.push(record), forceFlush: async () => {}, shutdown: async () => {} },
    ],
  }).getLogger('apitrail');
  for (let n = 0; n < count; n++) logger.emit({ eventName: 'apitrail.api_request', attributes: { n } });
  return records;
}

describe('OTLP log exporter: records a receiver refuses', () => {
  let receiver: Receiver;
  before(async () => (receiver = await startReceiver()));
  after(() => receiver.close());

  for (const protocol of ['http/protobuf', 'http/json'] as OtlpLogProtocol[]) {
    it(`${protocol}: hands on the refused count of a partial success; nothing for a full success`, async () => {
      const refused: number[] = [];
      const exporter = new OtlpLogExporter({ url: receiver.url }, protocol, (records) => refused.push(records));
      const exportBatch = (): Promise<ExportResult> =>
        new Promise((resolve) => exporter.export(auditRecords(5), resolve));
      try {
        receiver.answer = { protobuf: Buffer.alloc(0), json: '' };
        expect((await exportBatch()).code).to.equal(ExportResultCode.SUCCESS);
        expect(refused, 'a full success').to.deep.equal([]);

        receiver.answer = {
          protobuf: protobufPartialSuccess(3, 'record too large'),
          json: JSON.stringify({ partialSuccess: { rejectedLogRecords: '3', errorMessage: 'record too large' } }),
        };
        // Accepted all the same: a partial success is not retried, so the three are lost.
        expect((await exportBatch()).code).to.equal(ExportResultCode.SUCCESS);
        expect(refused).to.deep.equal([3]);

        // A partial success that refuses nothing (a warning only) hands nothing on.
        receiver.answer = {
          protobuf: Buffer.from([0x0a, 0x00]),
          json: JSON.stringify({ partialSuccess: { errorMessage: 'deprecated field' } }),
        };
        expect((await exportBatch()).code).to.equal(ExportResultCode.SUCCESS);
        expect(refused).to.deep.equal([3]);
      } finally {
        await exporter.shutdown();
      }
    });
  }
});
