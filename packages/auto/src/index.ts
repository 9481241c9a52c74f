export { startApitrail, apitrailProcessors, type ApitrailHandle, type StartOptions } from './start.js';
export { readAutoConfig, type AutoConfig, TRACE_EXPORTERS, LOG_EXPORTERS } from './config.js';
export { flushOnExit } from './shutdown.js';
