// The NDJSON line of an integrity checkpoint record, for tests that write signed logs by hand
// (`MerkleLog.checkpoint` / `close` give the notes).
import {
  APITRAIL_EVENTS,
  ATTR_INTEGRITY_CHECKPOINT,
  ATTR_INTEGRITY_LOG_ID,
  NDJSON_FIELDS,
} from '@apitrail/core/internal';

export function checkpointLine(logId: string, note: string): string {
  return JSON.stringify({
    timestamp: new Date().toISOString(),
    level: 'INFO',
    message: 'integrity checkpoint',
    logger: 'apitrail.security',
    [NDJSON_FIELDS.event]: APITRAIL_EVENTS.integrityCheckpoint,
    [ATTR_INTEGRITY_LOG_ID]: logId,
    [ATTR_INTEGRITY_CHECKPOINT]: note,
  });
}
