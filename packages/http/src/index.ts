export { RequestTracker, type RequestTrackerOptions, type RequestGate, type Refusal } from './request-tracker.js';
export { RequestScopeInstrumentation, type RequestScopeInstrumentationConfig } from './request-scope.js';
export { apitrailHttpInstrumentationConfig } from './instrumentation-config.js';
export { RequestContextLogRecordProcessor } from './request-context-log-processor.js';
export { identityAttributes } from './identity-attributes.js';
export { CLIENT_CLOSED_REQUEST } from './audit-record.js';
export { recordRequestException } from './record-request-exception.js';
