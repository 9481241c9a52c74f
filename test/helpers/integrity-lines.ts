// The NDJSON line of an integrity checkpoint record, for tests that write signed logs by hand
// (`MerkleLog.checkpoint` / `close` give the notes): the record the integrity processor emits, as
// the NDJSON exporter writes it.
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ndjsonText } from '@apitrail/export/internal';
import { CheckpointRecord } from '@apitrail/integrity/internal';

const RESOURCE = resourceFromAttributes({});

export function checkpointLine(logId: string, note: string): string {
  return ndjsonText(new CheckpointRecord(RESOURCE, logId, note, false));
}
