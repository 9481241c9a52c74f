import type { InstrumentationScope } from '@opentelemetry/core';
import type { Redactor } from './redactor.js';

/**
 * Redacts an instrumentation scope's name, version and schema URL once, in place: the scope is the
 * tracer's or logger's own object, shared by every record it makes, and any code can name one
 * (`logs.getLogger(name, version, { schemaUrl })`). The last scope seen is remembered by identity,
 * the rest in a WeakSet, so a record of an already redacted scope costs a comparison.
 */
export function scopeRedactor(redactor: Redactor): (scope: InstrumentationScope) => void {
  const done = new WeakSet<InstrumentationScope>();
  let last: InstrumentationScope | undefined;
  return (scope) => {
    if (scope === last) return;
    last = scope;
    if (done.has(scope)) return;
    const writable = scope as { name: string; version?: string; schemaUrl?: string };
    writable.name = redactor.redactText(scope.name);
    if (scope.version !== undefined) writable.version = redactor.redactText(scope.version);
    if (scope.schemaUrl !== undefined) writable.schemaUrl = redactor.redactText(scope.schemaUrl);
    done.add(scope);
  };
}

/**
 * Redacts a short name that recurs on most records (an event name, a severity text): the last one
 * and its redaction are remembered, so the same name again costs a comparison.
 */
export function recurringNameRedactor(redactor: Redactor): (name: string) => string {
  let last = '';
  let lastRedacted = '';
  return (name) => {
    if (name !== last) [last, lastRedacted] = [name, redactor.redactText(name)];
    return lastRedacted;
  };
}
