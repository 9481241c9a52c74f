import { SeverityNumber } from '@opentelemetry/api';

/**
 * OTel severity for the level names of winston's three built-in level sets (npm, syslog, cli),
 * the same mapping as `@opentelemetry/winston-transport`, so switching between the two bridges
 * does not move records between severity buckets.
 */
const NPM: Readonly<Record<string, SeverityNumber>> = {
  error: SeverityNumber.ERROR,
  warn: SeverityNumber.WARN,
  info: SeverityNumber.INFO,
  http: SeverityNumber.DEBUG3,
  verbose: SeverityNumber.DEBUG2,
  debug: SeverityNumber.DEBUG,
  silly: SeverityNumber.TRACE,
};

const SYSLOG: Readonly<Record<string, SeverityNumber>> = {
  emerg: SeverityNumber.FATAL3,
  alert: SeverityNumber.FATAL2,
  crit: SeverityNumber.FATAL,
  error: SeverityNumber.ERROR,
  warning: SeverityNumber.WARN,
  notice: SeverityNumber.INFO2,
  info: SeverityNumber.INFO,
  debug: SeverityNumber.DEBUG,
};

const CLI: Readonly<Record<string, SeverityNumber>> = {
  error: SeverityNumber.ERROR,
  warn: SeverityNumber.WARN,
  help: SeverityNumber.INFO3,
  data: SeverityNumber.INFO2,
  info: SeverityNumber.INFO,
  debug: SeverityNumber.DEBUG,
  prompt: SeverityNumber.TRACE4,
  verbose: SeverityNumber.TRACE3,
  input: SeverityNumber.TRACE2,
  silly: SeverityNumber.TRACE,
};

const SETS = [CLI, SYSLOG, NPM];

/** Fallback for level sets that are none of the three: the first set that names the level. */
const SEVERITY_BY_LEVEL: ReadonlyMap<string, SeverityNumber> = new Map(
  [...SETS].reverse().flatMap((set) => Object.entries(set)),
);

/** Every level name of the npm, syslog and cli sets. */
export const KNOWN_LEVELS: readonly string[] = [...SEVERITY_BY_LEVEL.keys()];

/**
 * The severity of `level` in the logger's level set: the set matters, as `verbose` is DEBUG2 in
 * npm but TRACE3 in cli. Custom levels have no agreed severity: UNSPECIFIED says so instead of
 * guessing.
 */
export function severityOf(level: string, levels?: Readonly<Record<string, number>>): SeverityNumber {
  const set =
    levels === undefined ? undefined : SETS.find((known) => Object.keys(known).every((name) => name in levels));
  return set?.[level] ?? SEVERITY_BY_LEVEL.get(level) ?? SeverityNumber.UNSPECIFIED;
}
