// Every name the package's modules export, for apitrail's own packages and tests. Not a public API:
// no semver promise; users import from '@apitrail/detect' (src/index.ts).
export { readDetectConfig, DETECT_DEFAULTS, type DetectConfig } from './config.js';
export { eventFromAttributes, FINGERPRINT_PREFIX, KEY_PREFIX_PREFIX, type DetectionEvent } from './event.js';
export { Detector, DETECTABLE_TIME_MS, isDetectableTime, type AlertSink } from './detector.js';
export type { Alert } from './alert.js';
export { alertAttributes, alertMessage } from './alert-record.js';
export { RULES, type RuleDefinition } from './rules.js';
export { DetectionLogRecordProcessor, detectionProcessors } from './processor.js';
export { SlotTable } from './slot-table.js';
export { WindowCounter, type CounterWidth } from './window-counter.js';
export { KeyGeography, type GeographyFinding } from './key-geography.js';
export { RecentDistinct, hashString } from './recent-distinct.js';
export { sourceNetwork, sourceNetworkName } from './source-network.js';
