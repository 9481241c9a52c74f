import { randomBytes } from 'node:crypto';
import { renameSync, unwatchFile, watchFile, writeFileSync } from 'node:fs';
import { diag } from '@opentelemetry/api';
import { ApitrailConfigError } from '@apitrail/core';
import { readFailureText, readFileBounded } from '@apitrail/core/internal';

/** One quarantined key: `api_key.id`, or `fingerprint:<api_key.fingerprint>` for an unregistered key. */
export interface QuarantineEntry {
  readonly key: string;
  /** Epoch milliseconds; the key is answered normally again from then on. */
  readonly untilMs: number;
  readonly reason: string;
  /** `detector` (a rule flagged it) or the operator who marked it. */
  readonly by: string;
}

interface FileEntry {
  key: string;
  until: string;
  reason: string;
  by: string;
}

function parseFile(setting: string, path: string, text: string): QuarantineEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApitrailConfigError(setting, `${path} is not valid JSON`);
  }
  const entries = (parsed as { entries?: unknown })?.entries;
  if (!Array.isArray(entries)) throw new ApitrailConfigError(setting, `${path}: expected { "entries": [...] }`);
  return entries.map((raw, index) => {
    const entry = raw as Partial<FileEntry>;
    const untilMs = Date.parse(String(entry.until));
    if (typeof entry.key !== 'string' || entry.key === '' || Number.isNaN(untilMs)) {
      throw new ApitrailConfigError(setting, `${path}: entry ${index} needs "key" and an ISO 8601 "until"`);
    }
    return { key: entry.key, untilMs, reason: String(entry.reason ?? ''), by: String(entry.by ?? 'operator') };
  });
}

/** Reads a quarantine file (`{ "entries": [{ key, until, reason, by }] }`); a missing file is empty. */
export function readQuarantineFile(path: string, setting = 'APITRAIL_QUARANTINE_FILE'): QuarantineEntry[] {
  let text: string;
  try {
    text = readFileBounded(path).toString('utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ApitrailConfigError(setting, `cannot read ${path}: ${readFailureText(error)}`);
  }
  return parseFile(setting, path, text);
}

/** Writes the entries atomically (a temporary file renamed over the old one), readable by the owner only. */
export function writeQuarantineFile(path: string, entries: readonly QuarantineEntry[]): string {
  const text = `${JSON.stringify(
    {
      entries: entries.map((entry) => ({
        key: entry.key,
        until: new Date(entry.untilMs).toISOString(),
        reason: entry.reason,
        by: entry.by,
      })),
    },
    null,
    2,
  )}\n`;
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
  return text;
}

/**
 * The keys apitrail refuses in block mode, each until its time runs out. Kept in memory (one Map
 * lookup per request, none at all while the list is empty) and, with a file, shared with the
 * `apitrail quarantine` command: every change is written to the file, and the file is re-read when
 * someone else changes it, so an operator can mark or lift a key in a running process.
 */
export class Quarantine {
  private entries = new Map<string, QuarantineEntry>();
  private lastWritten: string | undefined;

  constructor(
    readonly path?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (path !== undefined) for (const entry of readQuarantineFile(path)) this.entries.set(entry.key, entry);
  }

  /** The entry that blocks `key` now, if any (expired entries are forgotten on the way). */
  blocking(key: string): QuarantineEntry | undefined {
    if (this.entries.size === 0) return undefined;
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.untilMs > this.now()) return entry;
    this.entries.delete(key);
    return undefined;
  }

  /** Entries held: live ones (expired ones go at the next change). */
  get size(): number {
    return this.entries.size;
  }

  /** Quarantines `key` for `seconds` (an existing, longer quarantine is kept). */
  add(key: string, seconds: number, reason: string, by = 'operator'): QuarantineEntry {
    const now = this.now();
    // Expired entries of keys never seen again would otherwise stay for the life of the process:
    // a leak an attacker feeds by having throwaway keys flagged. O(entries), as the write below is.
    for (const [held, entry] of this.entries) if (entry.untilMs <= now) this.entries.delete(held);
    const untilMs = now + seconds * 1000;
    const existing = this.entries.get(key);
    if (existing !== undefined && existing.untilMs >= untilMs) return existing;
    const entry = { key, untilMs, reason, by };
    this.entries.set(key, entry);
    this.persist();
    return entry;
  }

  /** Lifts the quarantine of `key`; false when it was not quarantined. */
  lift(key: string): boolean {
    const removed = this.entries.delete(key);
    if (removed) this.persist();
    return removed;
  }

  list(): QuarantineEntry[] {
    const now = this.now();
    return [...this.entries.values()].filter((entry) => entry.untilMs > now);
  }

  /** Polls the file every `intervalMs` for changes made by others; returns the function that stops. */
  watch(intervalMs = 1000): () => void {
    const { path } = this;
    if (path === undefined) return () => undefined;
    const listener = (): void => this.reload();
    watchFile(path, { interval: intervalMs, persistent: false }, listener);
    return () => unwatchFile(path, listener);
  }

  private reload(): void {
    const path = this.path!;
    try {
      const text = readFileBounded(path).toString('utf8');
      if (text === this.lastWritten) return;
      this.entries = new Map(parseFile('APITRAIL_QUARANTINE_FILE', path, text).map((entry) => [entry.key, entry]));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') this.entries = new Map();
      else diag.error(`apitrail: ${(error as Error).message}; keeping the previous quarantine list`);
    }
  }

  private persist(): void {
    if (this.path === undefined) return;
    try {
      this.lastWritten = writeQuarantineFile(this.path, this.list());
    } catch (error) {
      diag.error(`apitrail: cannot write the quarantine file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
}
