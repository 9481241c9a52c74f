import {
  diag,
  type AnyValue,
  type AttributeValue,
  type Attributes,
  type HrTime,
  type SeverityNumber,
  type SpanContext,
} from '@opentelemetry/api';
import { AddAttributeDecision, maybeAddAttribute, millisToHrTime } from '@opentelemetry/core';
import type { LogRecordLimits, ReadWriteLogRecord, ReadableLogRecord } from '@opentelemetry/sdk-logs';

type Resource = ReadableLogRecord['resource'];
type InstrumentationScope = ReadableLogRecord['instrumentationScope'];

/** The OTel log-record limits with the SDK's defaults filled in and a non-positive length limit read as none, as the SDK does. */
export interface AuditRecordLimits {
  readonly attributeCountLimit: number;
  readonly attributeValueLengthLimit: number;
}

/** The SDK LoggerProvider's defaults (128 attributes, no length limit) under `limits`. */
export function auditRecordLimits(limits: LogRecordLimits | undefined): AuditRecordLimits {
  const length = limits?.attributeValueLengthLimit ?? Infinity;
  return {
    attributeCountLimit: limits?.attributeCountLimit ?? 128,
    attributeValueLengthLimit: length > 0 ? length : Infinity,
  };
}

/** What every audit record of one LoggerProvider shares. */
export interface AuditRecordSource {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly limits: AuditRecordLimits;
}

/** The audit record's fields other than its attributes (added with {@link AuditLogRecord.add}). */
export interface AuditRecordHeader {
  readonly eventName: string;
  readonly severityNumber: SeverityNumber;
  readonly severityText: string;
  readonly body: string;
}

/**
 * The attributes object of an audit record: own enumerable properties only, like `{}`, but an
 * instance of a constructor, which V8 gives room for its properties inside the object. A `{}` that
 * gets ~20 properties by computed name turns into a hash table (dictionary mode), where every
 * attribute added and every read by a processor or exporter is a hash lookup: measured, building
 * the audit record's attributes costs several times as much that way.
 */
const AuditAttributes = function AuditAttributes() {} as unknown as new () => Attributes;

/**
 * The audit record apitrail emits itself, when it owns the log pipeline: one fixed-shape object
 * that is the SDK's read-write log record for the processors and the readable record for the
 * exporters. Its attributes are the primitives apitrail wrote (known keys, known types), so the
 * log-record limits are applied once as each is added, instead of the Logs SDK's generic
 * per-attribute validation and copy; `setAttribute` from a processor is a property write when the
 * value is a string, number or boolean, and the SDK's own check (`maybeAddAttribute`) otherwise.
 * What reaches the exporters is what `Logger.emit` would have made of the same record: the same
 * attributes in the same order, the same limits, the same timestamps and span context.
 */
export class AuditLogRecord implements ReadWriteLogRecord {
  readonly resource: Resource;
  readonly instrumentationScope: InstrumentationScope;
  readonly attributes: Attributes = new AuditAttributes();
  hrTime: HrTime;
  hrTimeObserved: HrTime;
  spanContext: SpanContext | undefined;
  eventName: string | undefined;
  severityNumber: SeverityNumber | undefined;
  severityText: string | undefined;
  body: AnyValue;
  droppedAttributesCount = 0;
  private attributeCount = 0;
  private readonly limits: AuditRecordLimits;
  private readonly: boolean = false;

  constructor(source: AuditRecordSource, spanContext: SpanContext | undefined, header: AuditRecordHeader) {
    this.resource = source.resource;
    this.instrumentationScope = source.instrumentationScope;
    this.limits = source.limits;
    // As the SDK stamps a record emitted without a timestamp: Date.now(), observed at the same time.
    this.hrTime = millisToHrTime(Date.now());
    this.hrTimeObserved = this.hrTime;
    this.spanContext = spanContext;
    this.eventName = header.eventName;
    this.severityNumber = header.severityNumber;
    this.severityText = header.severityText;
    this.body = header.body;
  }

  /** Adds an attribute apitrail built under a key not yet set, under the limits. */
  add(key: string, value: AttributeValue): void {
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'boolean') {
      this.setAttribute(key, value);
    } else if (this.attributeCount >= this.limits.attributeCountLimit) {
      this.dropOne();
    } else {
      this.attributes[key] = this.bounded(value);
      this.attributeCount += 1;
    }
  }

  setAttribute(key: string, value?: AnyValue): this {
    if (this.isReadonly() || value === undefined) return this;
    const type = typeof value;
    if (key.length > 0 && (type === 'string' || type === 'number' || type === 'boolean')) {
      if (!Object.hasOwn(this.attributes, key)) {
        if (this.attributeCount >= this.limits.attributeCountLimit) {
          this.dropOne();
          return this;
        }
        this.attributeCount += 1;
      }
      this.attributes[key] = this.bounded(value as AttributeValue);
      return this;
    }
    // An empty key or a structured value: the SDK's own decision, warnings and copy.
    const decision = maybeAddAttribute({
      key,
      value,
      attributes: this.attributes,
      limits: this.limits,
      currentAttributesCount: this.attributeCount,
    });
    if (decision === AddAttributeDecision.DROP_LIMIT_REACHED) this.dropOne();
    else if (decision === AddAttributeDecision.ADD_NEW) this.attributeCount += 1;
    return this;
  }

  setAttributes(attributes: Attributes): this {
    for (const key of Object.keys(attributes)) this.setAttribute(key, attributes[key]);
    return this;
  }

  setBody(body: AnyValue): this {
    if (!this.isReadonly()) this.body = body;
    return this;
  }

  setEventName(eventName: string): this {
    if (!this.isReadonly()) this.eventName = eventName;
    return this;
  }

  setSeverityNumber(severityNumber: SeverityNumber): this {
    if (!this.isReadonly()) this.severityNumber = severityNumber;
    return this;
  }

  setSeverityText(severityText: string): this {
    if (!this.isReadonly()) this.severityText = severityText;
    return this;
  }

  /** Once every processor's `onEmit` has returned, as the SDK does with its records: later changes are refused. */
  makeReadonly(): void {
    this.readonly = true;
  }

  private isReadonly(): boolean {
    if (this.readonly) diag.warn('Can not execute the operation on emitted log record');
    return this.readonly;
  }

  private bounded(value: AttributeValue): AttributeValue {
    const limit = this.limits.attributeValueLengthLimit;
    return typeof value === 'string' && value.length > limit ? value.substring(0, limit) : value;
  }

  private dropOne(): void {
    this.droppedAttributesCount += 1;
    if (this.droppedAttributesCount === 1) diag.warn('Dropping extra attributes.');
  }
}
