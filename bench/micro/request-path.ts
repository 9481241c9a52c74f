// The request path of @apitrail/http and @apitrail/identity without a socket: per request, the
// request context (identity, correlation id), the response tracking, and on 'close' the audit
// record through a real SDK LoggerProvider with the request-context processor, on node:http's own
// IncomingMessage and ServerResponse objects: as apitrail's register emits it (an AuditLogRecord
// handed to the provider's processors), and through Logger.emit (inside an app's own SDK). What instrumentation-http, the exporters and the
// network add is left out, so a change to apitrail's own per-request work shows up here even when
// the HTTP benchmark's noise would hide it.
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { context, logs } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createRequestContextFactory } from '@apitrail/identity';
import { RequestContextLogRecordProcessor, RequestTracker } from '@apitrail/http';
import { AuditRecordPipeline, useAuditRecordPipeline } from '@apitrail/http/internal';
import { nsPerOp, report } from './harness.ts';
import { processorOf } from './records.ts';

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
let emitted = 0;
const processors = [new RequestContextLogRecordProcessor(), processorOf(() => (emitted += 1))];
const provider = new LoggerProvider({ processors });
logs.setGlobalLoggerProvider(provider);
const tracker = new RequestTracker({ createRequestContext: createRequestContextFactory() });
const socket = new Socket();

function request(): void {
  const incoming = new IncomingMessage(socket);
  incoming.method = 'GET';
  incoming.url = '/api/v1/tenants/acme/scans/42?provider=aws';
  incoming.headers = { host: 'api.example.test', 'user-agent': 'apitrail-bench/1' };
  const response = new ServerResponse(incoming);
  tracker.begin(incoming, response);
  response.statusCode = 200;
  response.emit('close');
}

const perRequestSdkRecord = nsPerOp(request);
if (emitted === 0) throw new Error('no audit record was emitted');
const pipeline = AuditRecordPipeline.of(provider, processors);
if (pipeline === undefined) throw new Error('the SDK LoggerProvider was not recognised as apitrail-built');
useAuditRecordPipeline(pipeline);
const perRequest = nsPerOp(request);
report({ request_path: { per_request: perRequest, per_request_sdk_record: perRequestSdkRecord } });
