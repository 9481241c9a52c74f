// What the demo shows a newcomer: the records apitrail wrote, read back with the CLI's reader (NDJSON
// or OTLP-JSON alike), grouped into security events, detector alerts and redactions, and a summary.
import {
  ATTR_API_KEY_FINGERPRINT,
  ATTR_API_KEY_ID,
  ATTR_ALERT_COUNT,
  ATTR_ALERT_PREVIOUS_VALUE,
  ATTR_ALERT_VALUE,
  ATTR_ALERT_THRESHOLD,
  ATTR_CLIENT_ADDRESS,
  ATTR_EVENT_REASON,
  ATTR_SECURITY_RULE_NAME,
  ATTR_TENANT_ID,
  EVENT_API_REQUEST,
} from '@apitrail/core/internal';
import { readRecords } from '@apitrail/cli/internal';
import { formatHumanReadableFields } from '@apitrail/export/internal';
import { STEP_NOTES } from './demo-scenario.mjs';

/** Every record in `files`, in file order; a malformed or unreadable file is an error, not a gap. */
export async function readApitrailRecords(files) {
  const records = [];
  const problems = [];
  await readRecords(files, {
    record: (record) => records.push(record),
    malformed: (file, line, reason) => problems.push(`${file}:${line}: ${reason}`),
    unreadable: (file, reason) => problems.push(`${file}: ${reason}`),
  });
  if (problems.length > 0) throw new Error(`unreadable apitrail output:\n${problems.join('\n')}`);
  return records;
}

const isAlert = (record) => record.attributes[ATTR_SECURITY_RULE_NAME] !== undefined;
const isAudit = (record) => record.eventName === EVENT_API_REQUEST;
const isSecurityEvent = (record) => record.eventName !== undefined && !isAudit(record) && !isAlert(record);

function tally(records, keyOf) {
  const counts = {};
  for (const record of records) {
    const key = keyOf(record);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function callerOf(record) {
  const id = record.attributes[ATTR_API_KEY_ID];
  if (id !== undefined) return String(id);
  return record.attributes[ATTR_API_KEY_FINGERPRINT] === undefined ? '(no key)' : '(unregistered key)';
}

const eventWithReason = (record) => {
  const reason = record.attributes[ATTR_EVENT_REASON];
  return reason === undefined ? record.eventName : `${record.eventName} (${reason})`;
};

/** The machine-checkable outcome of one run (`--json`). */
export function summarize(records, secrets, leaked) {
  const audit = records.filter(isAudit);
  return {
    records: records.length,
    requests: audit.length,
    requestsByKey: tally(audit, callerOf),
    requestsByTenant: tally(audit, (record) => String(record.attributes[ATTR_TENANT_ID] ?? '(none)')),
    securityEvents: tally(records.filter(isSecurityEvent), (record) => record.eventName),
    securityEventReasons: tally(records.filter(isSecurityEvent), eventWithReason),
    alerts: tally(records.filter(isAlert), (record) => String(record.attributes[ATTR_SECURITY_RULE_NAME])),
    secrets: { sent: secrets.length, leaked: leaked.length, leakedWhat: leaked.map((secret) => secret.what) },
  };
}

function table(headings, rows) {
  const widths = headings.map((heading, column) =>
    Math.max(heading.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) => cells.map((cell, column) => String(cell).padEnd(widths[column])).join('  ');
  return [line(headings), line(widths.map((width) => '─'.repeat(width))), ...rows.map(line)].join('\n');
}

function section(title) {
  return `\n\u2500\u2500 ${title} ${'\u2500'.repeat(Math.max(0, 72 - title.length))}\n`;
}

/** One line per step of the story: how many requests, the statuses they got, what to look for. */
export function renderScenario(steps, statuses) {
  const byStep = new Map();
  steps.forEach((step, index) => byStep.set(step.step, [...(byStep.get(step.step) ?? []), statuses[index]]));
  return [...byStep]
    .map(([step, seen]) => {
      const count = `${String(seen.length).padStart(2)} request${seen.length === 1 ? ' ' : 's'}`;
      return `  ${step.padEnd(23)} ${count} (${[...new Set(seen)].join(', ')}): ${STEP_NOTES[step]}`;
    })
    .join('\n');
}

/** The records aligned for people (coloured on a terminal), or as NDJSON for a pipe. */
export function renderStream(records, humanReadable, colour) {
  return records
    .map((record) => (humanReadable ? formatHumanReadableFields(record.fields, colour) : JSON.stringify(record.fields)))
    .join('\n');
}

export function renderSecurityEvents(records) {
  const events = records.filter(isSecurityEvent);
  return table(
    ['event', 'caller', 'source ip', 'reason', 'message'],
    events.map((record) => [
      record.eventName,
      callerOf(record),
      record.attributes[ATTR_CLIENT_ADDRESS] ?? '',
      record.attributes[ATTR_EVENT_REASON] ?? '',
      record.fields.message,
    ]),
  );
}

export function renderAlerts(records) {
  const alerts = records.filter(isAlert);
  if (alerts.length === 0) return '(none)';
  return table(
    ['rule', 'alert event', 'evidence', 'message'],
    alerts.map((record) => [
      record.attributes[ATTR_SECURITY_RULE_NAME],
      record.eventName,
      // Geo alerts are about a value (a new country or AS), not a count over a threshold.
      record.attributes[ATTR_ALERT_VALUE] === undefined
        ? `${record.attributes[ATTR_ALERT_COUNT]} > ${record.attributes[ATTR_ALERT_THRESHOLD]}`
        : [record.attributes[ATTR_ALERT_PREVIOUS_VALUE], record.attributes[ATTR_ALERT_VALUE]]
            .filter((value) => value !== undefined)
            .join(' → '),
      record.fields.message,
    ]),
  );
}

/** Where the masks landed, and the search for every secret the driver sent. */
export function renderRedactions(records, summary, ownTransportLeaks) {
  const masked = records.filter((record) => JSON.stringify(record.fields).includes('REDACTED'));
  // One example per distinct set of masked fields: the same mask forty times teaches nothing.
  const examples = new Map();
  for (const record of masked) {
    const fields = maskedFields(record.fields);
    const shape = fields.map((field) => field.split('=')[0]).join();
    if (!examples.has(shape)) examples.set(shape, `  ${record.fields.logger}: ${fields.join(', ')}`);
  }
  const lines = [
    `${masked.length} records carry a mask where the scenario put a secret; each kind once:`,
    ...examples.values(),
    '',
    `secrets sent by the driver: ${summary.secrets.sent}; found in apitrail's output (raw, URL-encoded, base64): ${summary.secrets.leaked}`,
  ];
  for (const what of summary.secrets.leakedWhat) lines.push(`  LEAKED: ${what}`);
  if (ownTransportLeaks > 0) {
    lines.push(
      `note: the winston example's own Console transport printed ${ownTransportLeaks} of them: apitrail redacts what`,
      '      it exports, not the app\u2019s own transports (add apitrailFormat() from @apitrail/winston to redact those too).',
    );
  }
  return lines.join('\n');
}

function maskedFields(fields, prefix = '') {
  return Object.entries(fields).flatMap(([key, value]) => {
    if (value !== null && typeof value === 'object') return maskedFields(value, `${prefix}${key}.`);
    if (typeof value !== 'string' || !value.includes('REDACTED')) return [];
    const firstLine = value.split('\n')[0];
    return [`${prefix}${key}=${firstLine.length > 80 ? `${firstLine.slice(0, 80)}\u2026` : firstLine}`];
  });
}

export function renderSummary(summary) {
  const rows = [
    ...Object.entries(summary.requestsByKey).map(([key, count]) => ['requests by key', key, count]),
    ...Object.entries(summary.requestsByTenant).map(([tenant, count]) => ['requests by tenant', tenant, count]),
    ...Object.entries(summary.securityEventReasons).map(([event, count]) => ['security events', event, count]),
    ...Object.entries(summary.alerts).map(([rule, count]) => ['detector alerts', rule, count]),
    ['secrets', 'sent', summary.secrets.sent],
    ['secrets', 'leaked', summary.secrets.leaked],
  ];
  return table(['', 'what', 'count'], rows);
}

export { section, table };
