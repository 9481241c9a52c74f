import {
  ATTR_API_KEY_NAME,
  ATTR_API_KEY_STATUS,
  ATTR_CLIENT_ADDRESS,
  ATTR_CLIENT_AS_NUMBER,
  ATTR_CLIENT_AS_ORGANIZATION_NAME,
  ATTR_GEO_COUNTRY_ISO_CODE,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_TENANT_ID,
  NDJSON_FIELDS,
  neutralizeControlCharacters,
} from '@apitrail/core/internal';
import { ndjsonLine } from '@apitrail/export/internal';
import { FINGERPRINT_PREFIX, KEY_PREFIX_PREFIX, type Alert } from '@apitrail/detect/internal';
import type { SourceEnricher } from '@apitrail/enrich';
import { table } from './output.js';

/** Distinct values listed per key and field; beyond it they are counted in `*_count` only. */
export const MAX_LISTED_PER_KEY = 1000;

/** Keys reported; beyond it, records of further keys are counted as `untrackedRecords`. */
export const MAX_KEYS = 100_000;

/** Distinct values with a request count each, the listed ones bounded. */
class Tally {
  readonly counts = new Map<string, number>();
  distinct = 0;

  add(value: string): void {
    const count = this.counts.get(value);
    if (count !== undefined) this.counts.set(value, count + 1);
    else {
      this.distinct++;
      if (this.counts.size < MAX_LISTED_PER_KEY) this.counts.set(value, 1);
    }
  }

  /** Most requests first, then by value. */
  sorted(): string[] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([value]) => value);
  }
}

interface KeyUsage {
  readonly key: string;
  name?: string;
  tenant?: string;
  requests: number;
  firstMs: number;
  lastMs: number;
  readonly statuses: Map<string, number>;
  readonly ips: Tally;
  readonly asns: Tally;
  readonly asOrganizations: Map<string, string>;
  readonly countries: Tally;
  readonly keyStatuses: Set<string>;
  readonly alerts: Map<string, number>;
}

/** One key's line of the report (`--json` prints one per line; NDJSON-style field names). */
export interface KeyReportRow {
  readonly key: string;
  readonly api_key_id?: string;
  readonly api_key_fingerprint?: string;
  readonly api_key_prefix?: string;
  readonly api_key_name?: string;
  readonly tenant_id?: string;
  readonly requests: number;
  readonly first_seen: string;
  readonly last_seen: string;
  /** Requests per status code. */
  readonly status_codes: Record<string, number>;
  /** Source IPs, most requests first. */
  readonly source_ips: string[];
  readonly source_ip_count: number;
  readonly source_as_numbers: number[];
  /** AS number → organisation, where known. */
  readonly source_as_organizations: Record<string, string>;
  readonly source_countries: string[];
  /** `revoked` / `expired` when the key was used past its life. */
  readonly api_key_statuses: string[];
  /** Alerts per rule (`security_rule.name`). */
  readonly alerts: Record<string, number>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Per-key usage over the audit records of `apitrail analyze --by-key`: which IPs, autonomous
 * systems and countries used each key, when, with which outcomes, and what the detector said.
 * Records written before enrichment existed are placed with `enricher` (the same databases).
 */
export class KeyUsageReport {
  private readonly keys = new Map<string, KeyUsage>();
  untrackedRecords = 0;

  constructor(private readonly enricher?: SourceEnricher) {}

  observe(key: string | undefined, timeMs: number, attributes: Readonly<Record<string, unknown>>): void {
    if (key === undefined) return;
    let usage = this.keys.get(key);
    if (usage === undefined) {
      if (this.keys.size >= MAX_KEYS) {
        this.untrackedRecords++;
        return;
      }
      usage = {
        key,
        requests: 0,
        firstMs: timeMs,
        lastMs: timeMs,
        statuses: new Map(),
        ips: new Tally(),
        asns: new Tally(),
        asOrganizations: new Map(),
        countries: new Tally(),
        keyStatuses: new Set(),
        alerts: new Map(),
      };
      this.keys.set(key, usage);
    }
    usage.requests++;
    usage.firstMs = Math.min(usage.firstMs, timeMs);
    usage.lastMs = Math.max(usage.lastMs, timeMs);
    usage.name ??= text(attributes[ATTR_API_KEY_NAME]);
    usage.tenant ??= text(attributes[ATTR_TENANT_ID]);
    const status = String(attributes[ATTR_HTTP_RESPONSE_STATUS_CODE] ?? 'unknown');
    usage.statuses.set(status, (usage.statuses.get(status) ?? 0) + 1);
    const keyStatus = text(attributes[ATTR_API_KEY_STATUS]);
    if (keyStatus !== undefined) usage.keyStatuses.add(keyStatus);
    const ip = text(attributes[ATTR_CLIENT_ADDRESS]);
    if (ip === undefined) return;
    usage.ips.add(ip);
    const place = this.placeOf(ip, attributes);
    if (place.asNumber !== undefined) {
      usage.asns.add(String(place.asNumber));
      if (place.asOrganization !== undefined) usage.asOrganizations.set(String(place.asNumber), place.asOrganization);
    }
    if (place.country !== undefined) usage.countries.add(place.country);
  }

  alert(alert: Alert): void {
    if (alert.subjectKind !== 'api_key') return;
    const usage = this.keys.get(alert.subject);
    if (usage !== undefined) usage.alerts.set(alert.rule.name, (usage.alerts.get(alert.rule.name) ?? 0) + 1);
  }

  /** Keys by requests, most first. */
  rows(): KeyReportRow[] {
    return [...this.keys.values()].sort((a, b) => b.requests - a.requests || (a.key < b.key ? -1 : 1)).map(rowOf);
  }

  /** The place the record carries, else (for records written without enrichment) the enricher's answer. */
  private placeOf(ip: string, attributes: Readonly<Record<string, unknown>>): Place {
    const recorded = placeIn(attributes);
    if (recorded.asNumber !== undefined || recorded.country !== undefined || this.enricher === undefined)
      return recorded;
    return placeIn(Object.fromEntries(this.enricher.attributesOf(ip)));
  }
}

interface Place {
  readonly asNumber?: number;
  readonly asOrganization?: string;
  readonly country?: string;
}

function placeIn(attributes: Readonly<Record<string, unknown>>): Place {
  const asNumber = attributes[ATTR_CLIENT_AS_NUMBER];
  const asOrganization = text(attributes[ATTR_CLIENT_AS_ORGANIZATION_NAME]);
  const country = text(attributes[ATTR_GEO_COUNTRY_ISO_CODE]);
  return {
    ...(typeof asNumber === 'number' ? { asNumber } : {}),
    ...(asOrganization === undefined ? {} : { asOrganization }),
    ...(country === undefined ? {} : { country }),
  };
}

/** The key's own field: its id, an unregistered key's fingerprint, or the public prefix a request claimed. */
function subjectFields(key: string): Pick<KeyReportRow, 'api_key_id' | 'api_key_fingerprint' | 'api_key_prefix'> {
  if (key.startsWith(FINGERPRINT_PREFIX)) return { api_key_fingerprint: key.slice(FINGERPRINT_PREFIX.length) };
  if (key.startsWith(KEY_PREFIX_PREFIX)) return { api_key_prefix: key.slice(KEY_PREFIX_PREFIX.length) };
  return { [NDJSON_FIELDS.apiKeyId]: key };
}

function rowOf(usage: KeyUsage): KeyReportRow {
  return {
    key: usage.key,
    ...subjectFields(usage.key),
    ...(usage.name === undefined ? {} : { [NDJSON_FIELDS.apiKeyName]: usage.name }),
    ...(usage.tenant === undefined ? {} : { [NDJSON_FIELDS.tenantId]: usage.tenant }),
    requests: usage.requests,
    first_seen: new Date(usage.firstMs).toISOString(),
    last_seen: new Date(usage.lastMs).toISOString(),
    status_codes: Object.fromEntries([...usage.statuses].sort()),
    source_ips: usage.ips.sorted(),
    source_ip_count: usage.ips.distinct,
    source_as_numbers: usage.asns.sorted().map(Number),
    source_as_organizations: Object.fromEntries(usage.asOrganizations),
    source_countries: usage.countries.sorted(),
    api_key_statuses: [...usage.keyStatuses].sort(),
    alerts: Object.fromEntries(usage.alerts),
  } as KeyReportRow;
}

/** One JSON object per key and line. */
/** One JSON line per key, escaped as {@link analyzeJson} escapes its line, for the same reason. */
export function keyReportJson(rows: readonly KeyReportRow[]): string {
  return rows.map((row) => `${ndjsonLine(row)}\n`).join('');
}

const CSV_COLUMNS = [
  'key',
  'api_key_name',
  'tenant_id',
  'requests',
  'first_seen',
  'last_seen',
  'status_codes',
  'source_ip_count',
  'source_ips',
  'source_as_numbers',
  'source_countries',
  'api_key_statuses',
  'alerts',
] as const;

/**
 * RFC 4180 quoting, and a leading `'` before `=`, `+`, `-` or `@` so that a spreadsheet never
 * evaluates a cell that came from log data (CSV injection). Control characters become visible
 * escapes first, as in the table: the CSV is as often printed to a terminal as opened in a
 * spreadsheet, and a key id or tenant from the records may carry ANSI or OSC sequences (this also
 * takes care of a leading tab or CR, and of line breaks inside a cell).
 */
export function csvCell(value: string): string {
  const visible = neutralizeControlCharacters(value);
  const safe = /^[=+\-@]/.test(visible) ? `'${visible}` : visible;
  return /[",]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function flat(row: KeyReportRow): Record<(typeof CSV_COLUMNS)[number], string> {
  const pairs = (record: Record<string, number>) =>
    Object.entries(record)
      .map(([name, count]) => `${name}:${count}`)
      .join(' ');
  return {
    key: row.key,
    api_key_name: row.api_key_name ?? '',
    tenant_id: row.tenant_id ?? '',
    requests: String(row.requests),
    first_seen: row.first_seen,
    last_seen: row.last_seen,
    status_codes: pairs(row.status_codes),
    source_ip_count: String(row.source_ip_count),
    source_ips: row.source_ips.join(' '),
    source_as_numbers: row.source_as_numbers.join(' '),
    source_countries: row.source_countries.join(' '),
    api_key_statuses: row.api_key_statuses.join(' '),
    alerts: pairs(row.alerts),
  };
}

export function keyReportCsv(rows: readonly KeyReportRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) {
    const cells = flat(row);
    lines.push(CSV_COLUMNS.map((column) => csvCell(cells[column])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

function listed(values: readonly (string | number)[], total: number, shown = 3): string {
  const head = values.slice(0, shown).join(' ');
  return total > shown ? `${head} (+${total - shown})` : head;
}

export function keyReportTable(rows: readonly KeyReportRow[]): string {
  return table(
    ['key', 'name', 'tenant', 'requests', 'first seen', 'last seen', 'ips', 'asns', 'countries', 'statuses', 'alerts'],
    rows.map((row) => [
      row.key,
      row.api_key_name ?? '',
      row.tenant_id ?? '',
      String(row.requests),
      row.first_seen,
      row.last_seen,
      listed(row.source_ips, row.source_ip_count),
      listed(row.source_as_numbers, row.source_as_numbers.length),
      listed(row.source_countries, row.source_countries.length, 5),
      [
        ...Object.entries(row.status_codes).map(([status, count]) => `${status}:${count}`),
        ...row.api_key_statuses,
      ].join(' '),
      Object.entries(row.alerts)
        .map(([rule, count]) => `${rule.replace(/^apitrail_/, '')}:${count}`)
        .join(' '),
    ]),
  );
}
