// The public API of @apitrail/auto: what users call or configure (listed in its README).
export { startApitrail, type ApitrailHandle, type StartOptions } from './start.js';
export {
  apitrailComponents,
  apitrailProcessors,
  apitrailInstrumentations,
  type ApitrailComponents,
  type ComponentOptions,
} from './components.js';
export { readAutoConfig, type AutoConfig } from './config.js';
export { flushOnExit } from './shutdown.js';
export { flushApitrail, apitrailQuarantine } from './running.js';
