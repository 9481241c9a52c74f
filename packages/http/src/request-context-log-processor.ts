import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { getRequestContext, guard } from '@apitrail/core';
import { identityAttributes } from './identity-attributes.js';

/**
 * Stamps every log record emitted inside a request with the request's correlation id and caller
 * identity (API key id/name, tenant, auth method), read from the emitting Context. Must come
 * before redaction, integrity and exporting processors.
 */
export class RequestContextLogRecordProcessor implements LogRecordProcessor {
  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    const requestContext = context === undefined ? undefined : getRequestContext(context);
    if (requestContext === undefined) return;
    guard(
      'request context log processor',
      () => {
        // What the emitter set explicitly (a security event about another user, say) wins.
        for (const [name, value] of Object.entries(identityAttributes(requestContext))) {
          if (logRecord.attributes[name] === undefined) logRecord.setAttribute(name, value);
        }
      },
      undefined,
    );
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
