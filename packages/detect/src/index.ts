export { readDetectConfig, DETECT_DEFAULTS, type DetectConfig } from './config.js';
export { eventFromAttributes, FINGERPRINT_PREFIX, type DetectionEvent } from './event.js';
export { Detector, type AlertSink } from './detector.js';
export type { Alert } from './alert.js';
export { alertAttributes, alertMessage } from './alert-record.js';
export { RULES, type RuleDefinition } from './rules.js';
export { DetectionLogRecordProcessor, detectionProcessors } from './processor.js';
