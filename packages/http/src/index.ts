// The public API of @apitrail/http: what users call or configure (listed in its README).
export { RequestTracker, type RequestTrackerOptions, type RequestGate, type Refusal } from './request-tracker.js';
export { RequestScopeInstrumentation, type RequestScopeInstrumentationConfig } from './request-scope.js';
export { apitrailHttpInstrumentationConfig } from './instrumentation-config.js';
export { RequestContextLogRecordProcessor } from './request-context-log-processor.js';
export { recordRequestException } from './record-request-exception.js';
