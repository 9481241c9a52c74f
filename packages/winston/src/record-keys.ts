/**
 * Symbol keys on a winston info object. winston's own (`level`, `message`, `splat`) are the
 * triple-beam registry symbols; spelling them with `Symbol.for` avoids a dependency on it.
 */
export const LEVEL = Symbol.for('level');
export const MESSAGE = Symbol.for('message');
export const SPLAT = Symbol.for('splat');
/**
 * The OTel Context active when the app called the logger. Same symbol as instrumentation-winston,
 * so whichever patch runs first, both bridges see the emitting context even when winston's streams
 * deliver the record to transports later, outside it.
 */
export const EMIT_CONTEXT = Symbol.for('opentelemetry.js.contrib.winston.context');
/** Names of the fields apitrail added from the context, which the bridge does not send twice. */
export const INJECTED_FIELDS = Symbol.for('apitrail.winston.injected_fields');

/**
 * The redactor a record was redacted with (by the register's patch or `apitrailContext()`): a later
 * `apitrailContext()` with the same rule set leaves the record as it is instead of redacting it again.
 */
export const REDACTED_BY = Symbol.for('apitrail.winston.redacted_by');

/** Set when `apitrailContext()` already cut the record's metadata to its bounds. */
export const TRUNCATED = Symbol.for('apitrail.winston.truncated');

/** A winston info object as transports and formats receive it. */
export type LogInfo = Record<string | symbol, unknown>;

/**
 * The uncoloured line `humanReadableFormat()` wrote to MESSAGE and the fields it was rendered from,
 * so `colourOnTerminal()` can colour it for a transport that writes to a terminal.
 */
export const HUMAN_READABLE_LINE = Symbol.for('apitrail.winston.human_readable_line');

export interface HumanReadableLine {
  readonly fields: Record<string, unknown>;
  readonly line: string;
}
