import type { AttributeValue, Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { ATTR_AUTH_IS_API_KEY_REQUEST, getRequestContext, recordFault } from '@apitrail/core/internal';
import { visitIdentityAttributes } from './identity-attributes.js';

/** What the emitter set explicitly (a security event about another user, say) wins. */
function setUnlessSet(logRecord: ReadWriteLogRecord, name: string, value: AttributeValue): void {
  if (logRecord.attributes[name] === undefined && name !== ATTR_AUTH_IS_API_KEY_REQUEST) {
    logRecord.setAttribute(name, value);
  }
}

/**
 * Stamps every log record emitted inside a request with the request's correlation id and caller
 * identity (API key id/name, tenant, auth method), read from the emitting Context. Must come
 * before redaction, integrity and exporting processors. `is_api_key_request` stays on the audit
 * record alone: Prowler-style analyses count the records that have it as requests.
 */
export class RequestContextLogRecordProcessor implements LogRecordProcessor {
  onEmit(logRecord: ReadWriteLogRecord, context?: Context): void {
    const requestContext = context === undefined ? undefined : getRequestContext(context);
    if (requestContext === undefined) return;
    try {
      visitIdentityAttributes(requestContext, setUnlessSet, logRecord);
    } catch (error) {
      recordFault('request context log processor', error);
    }
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
