// The public API of @apitrail/detect: what users call or configure (listed in its README).
export {
  readDetectConfig,
  DETECT_DEFAULTS,
  detectionProcessors,
  DetectionLogRecordProcessor,
  Detector,
  eventFromAttributes,
  RULES,
  type DetectConfig,
  type DetectionEvent,
  type AlertSink,
  type Alert,
  type RuleDefinition,
} from './internal.js';
