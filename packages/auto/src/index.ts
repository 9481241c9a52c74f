export { startApitrail, type ApitrailHandle, type StartOptions } from './start.js';
export {
  apitrailComponents,
  apitrailProcessors,
  apitrailInstrumentations,
  type ApitrailComponents,
  type ComponentOptions,
} from './components.js';
export { readAutoConfig, type AutoConfig, TRACE_EXPORTERS, LOG_EXPORTERS } from './config.js';
export { flushOnExit } from './shutdown.js';
export { flushApitrail, apitrailQuarantine } from './running.js';
export { replaySpool, type ReplayOutcome } from './replay.js';
