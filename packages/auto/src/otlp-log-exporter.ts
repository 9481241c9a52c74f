import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
  type OTLPExporterNodeConfigBase,
} from '@opentelemetry/otlp-exporter-base/node-http';
import {
  JsonLogsSerializer,
  LogsExporterMetricsHelper,
  ProtobufLogsSerializer,
  type IExportLogsServiceResponse,
  type ISerializer,
} from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogsExportRequest } from '@apitrail/export/internal';

/** The OTLP/HTTP encodings OTEL_EXPORTER_OTLP_LOGS_PROTOCOL can name. */
export type OtlpLogProtocol = 'http/protobuf' | 'http/json';

/**
 * The SDK's protobuf serializer with apitrail's encoder in front: the same bytes, produced at a
 * fraction of the cost (see @apitrail/export's README); a batch the encoder declines goes to the SDK's.
 */
const protobufLogs: ISerializer<ReadableLogRecord[], IExportLogsServiceResponse> = {
  serializeRequest: (records) => encodeLogsExportRequest(records) ?? ProtobufLogsSerializer.serializeRequest(records),
  deserializeResponse: (data) => ProtobufLogsSerializer.deserializeResponse(data),
};

/**
 * Records the receiver refused in an accepted export (OTLP partial success), 0 for none. They
 * must not be sent again (the specification forbids retrying a partial success), so they are lost.
 */
function rejectedLogRecords(response: IExportLogsServiceResponse | undefined): number {
  const rejected = Number(response?.partialSuccess?.rejectedLogRecords ?? 0);
  return Number.isSafeInteger(rejected) && rejected > 0 ? rejected : 0;
}

/**
 * `OTLPLogExporter` of `@opentelemetry/exporter-logs-otlp-proto` (or `-http`, for JSON), built as
 * those classes build themselves (same HTTP delegate: retries, headers, compression, timeout,
 * self-observability metrics) with two changes: apitrail's protobuf encoder, and the records a
 * receiver refuses in a partial success handed to `onRejected`, where the SDK only logs them.
 */
export class OtlpLogExporter extends OTLPExporterBase<ReadableLogRecord[]> implements LogRecordExporter {
  constructor(config: OTLPExporterNodeConfigBase, protocol: OtlpLogProtocol, onRejected: (records: number) => void) {
    const serializer = protocol === 'http/json' ? JsonLogsSerializer : protobufLogs;
    const contentType = protocol === 'http/json' ? 'application/json' : 'application/x-protobuf';
    super(
      createOtlpHttpExportDelegate(
        convertLegacyHttpOptions(config, 'LOGS', 'v1/logs', { 'Content-Type': contentType }),
        {
          serializeRequest: serializer.serializeRequest,
          deserializeResponse: (data) => {
            const response = serializer.deserializeResponse(data);
            const rejected = rejectedLogRecords(response);
            if (rejected > 0) onRejected(rejected);
            return response;
          },
        },
        'otlp_http_log_exporter',
        LogsExporterMetricsHelper,
        config.selfObsMeterProvider,
      ),
    );
  }
}
