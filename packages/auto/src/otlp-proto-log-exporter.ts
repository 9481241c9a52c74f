import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
  type OTLPExporterNodeConfigBase,
} from '@opentelemetry/otlp-exporter-base/node-http';
import { LogsExporterMetricsHelper, ProtobufLogsSerializer, type ISerializer } from '@opentelemetry/otlp-transformer';
import type { LogRecordExporter, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogsExportRequest } from '@apitrail/export/internal';

type LogsResponse = ReturnType<typeof ProtobufLogsSerializer.deserializeResponse>;

/**
 * The SDK's serializer with apitrail's encoder in front: the same bytes, produced at a fraction of
 * the cost (see @apitrail/export's README); a batch the encoder declines goes to the SDK's.
 */
const logsSerializer: ISerializer<ReadableLogRecord[], LogsResponse> = {
  serializeRequest: (records) => encodeLogsExportRequest(records) ?? ProtobufLogsSerializer.serializeRequest(records),
  deserializeResponse: (data) => ProtobufLogsSerializer.deserializeResponse(data),
};

/**
 * `OTLPLogExporter` of `@opentelemetry/exporter-logs-otlp-proto`, built as that class builds
 * itself (same HTTP delegate: retries, headers, compression, timeout, self-observability metrics)
 * with only the serializer swapped.
 */
export class OtlpProtoLogExporter extends OTLPExporterBase<ReadableLogRecord[]> implements LogRecordExporter {
  constructor(config: OTLPExporterNodeConfigBase) {
    super(
      createOtlpHttpExportDelegate(
        convertLegacyHttpOptions(config, 'LOGS', 'v1/logs', { 'Content-Type': 'application/x-protobuf' }),
        logsSerializer,
        'otlp_http_log_exporter',
        LogsExporterMetricsHelper,
        config.selfObsMeterProvider,
      ),
    );
  }
}
