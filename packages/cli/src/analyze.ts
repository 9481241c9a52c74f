import { EVENT_API_REQUEST, NDJSON_FIELDS, ATTR_HTTP_RESPONSE_STATUS_CODE } from '@apitrail/core/internal';
import {
  Detector,
  alertAttributes,
  alertMessage,
  eventFromAttributes,
  DETECTABLE_TIME_MS,
  isDetectableTime,
  type Alert,
  type DetectConfig,
} from '@apitrail/detect/internal';
import { ndjsonLine } from '@apitrail/export/internal';
import { progressReporter, reportProblem, table, type Output } from './output.js';
import { readRecords, type SourceRecord } from './records.js';
import type { KeyUsageReport } from './by-key.js';

/** Alerts kept for the report; beyond this they are counted (cooldowns make that rare). */
const MAX_ALERTS = 10_000;

/** What `apitrail analyze` found: records and audit records read, lines and files it could not read, the alerts (and how many beyond the cap were dropped), the detector's table sizes. */
export interface AnalyzeReport {
  readonly records: number;
  readonly auditRecords: number;
  /** Lines that are no record, and records whose time the detector cannot count (see DETECTABLE_TIME_MS). */
  readonly malformedLines: number;
  readonly unreadableFiles: number;
  readonly alerts: readonly Alert[];
  readonly droppedAlerts: number;
  readonly tracked: ReturnType<Detector['stats']>;
}

/** A record's time for a message: ISO 8601 where a Date holds it, else the milliseconds. */
function timeText(timeMs: number): string {
  const date = new Date(timeMs);
  return Number.isNaN(date.getTime()) ? `${timeMs} ms since 1970` : date.toISOString();
}

const DETECTABLE_RANGE = `${timeText(DETECTABLE_TIME_MS.from)} to ${timeText(DETECTABLE_TIME_MS.until - 1)}`;

/**
 * Audit records: apitrail's (EventName `apitrail.api_request`) and, in Prowler-format NDJSON with no
 * event field, any record with a status code (Prowler's `api` logger lines).
 */
function isAuditRecord(record: SourceRecord): boolean {
  if (record.eventName !== undefined) return record.eventName === EVENT_API_REQUEST;
  return record.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] !== undefined;
}

/**
 * Runs the detection rules over files, streaming (and feeds `byKey`, when given, the same audit
 * records and alerts); problems go to `output.err` as they are met.
 */
export async function analyzeFiles(
  files: readonly string[],
  config: DetectConfig,
  output: Output,
  byKey?: KeyUsageReport,
): Promise<AnalyzeReport> {
  const alerts: Alert[] = [];
  let droppedAlerts = 0;
  const detector = new Detector(config, (alert) => {
    byKey?.alert(alert);
    if (alerts.length < MAX_ALERTS) alerts.push(alert);
    else droppedAlerts++;
  });
  let records = 0;
  let auditRecords = 0;
  let malformedLines = 0;
  let unreadableFiles = 0;
  let problems = 0;
  const progress = progressReporter(output, 'analyzing');
  await readRecords(files, {
    record(record) {
      // Counted in no window (it would wrap around in the detector's 32-bit seconds), said where it is.
      if (!isDetectableTime(record.timeMs)) {
        reportProblem(
          output,
          problems++,
          `${record.location}: skipped, time ${timeText(record.timeMs)} outside ${DETECTABLE_RANGE}, the times the detector counts`,
        );
        malformedLines++;
        return;
      }
      records++;
      if (!isAuditRecord(record)) return;
      auditRecords++;
      const event = eventFromAttributes(record.timeMs, record.attributes);
      byKey?.observe(event.apiKey, record.timeMs, record.attributes);
      detector.observe(event);
    },
    malformed(file, line, reason) {
      reportProblem(output, problems++, `${file}:${line}: skipped, ${reason}`);
      malformedLines++;
    },
    unreadable(file, reason) {
      reportProblem(output, problems++, `cannot read ${file}: ${reason}`);
      unreadableFiles++;
    },
    progress: progress.update,
  });
  progress.done();
  return { records, auditRecords, malformedLines, unreadableFiles, alerts, droppedAlerts, tracked: detector.stats() };
}

/**
 * The report as one JSON line, written as the NDJSON exporter writes records: JSON.stringify
 * leaves DEL, C1 controls (U+009B is a one-character CSI) and U+2028/2029 raw, and this line goes
 * to an operator's terminal with key ids and tenants from the records.
 */
export function analyzeJson(report: AnalyzeReport): string {
  const { alerts, ...counts } = report;
  return `${ndjsonLine({
    ...counts,
    alerts: alerts.map((alert) => ({
      [NDJSON_FIELDS.timestamp]: new Date(alert.timeMs).toISOString(),
      [NDJSON_FIELDS.level]: alert.rule.severityText,
      [NDJSON_FIELDS.event]: alert.rule.eventName,
      [NDJSON_FIELDS.message]: alertMessage(alert),
      attributes: alertAttributes(alert),
    })),
  })}\n`;
}

export function analyzeText(report: AnalyzeReport): string {
  const summary =
    `${report.records} records, ${report.auditRecords} audit records, ${report.tracked.trackedKeys} keys, ` +
    `${report.tracked.trackedIps} source IPs; ${report.alerts.length + report.droppedAlerts} alerts` +
    (report.malformedLines > 0 ? `; ${report.malformedLines} malformed lines skipped` : '') +
    (report.tracked.evictedKeys + report.tracked.evictedIps > 0
      ? `; ${report.tracked.evictedKeys} keys and ${report.tracked.evictedIps} IPs forgotten (raise APITRAIL_DETECT_MAX_KEYS/_IPS)`
      : '') +
    '\n';
  if (report.alerts.length === 0) return summary;
  const rows = report.alerts.map((alert) => [
    new Date(alert.timeMs).toISOString(),
    alert.rule.eventName,
    alert.subjectKind,
    alert.sourceNetwork === undefined ? alert.subject : `${alert.subject} in ${alert.sourceNetwork}`,
    `${alert.count} > ${alert.threshold}`,
    `${alert.windowSeconds}s`,
    alert.sampleIps.join(' '),
  ]);
  return `${table(['time', 'event', 'subject', 'id', 'count', 'window', 'sample ips'], rows)}${summary}`;
}
