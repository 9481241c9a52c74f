// Inputs for `apitrail analyze|verify` in the gateway archive's own format, built by hand for the
// adversarial cases (test/e2e/cli-archive.test.ts reads one the real collector wrote).
import { constants, zstdCompressSync } from 'node:zlib';
import {
  ATTR_API_KEY_ID,
  ATTR_CLIENT_ADDRESS,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_PATH,
  EVENT_API_REQUEST,
} from '@apitrail/core/internal';
import type { ScriptedRequest } from './detect-scenarios.ts';
import type { CraftedLogRecord } from './otlp-json.ts';

/** A zstd frame with a content checksum, as the collector's encoder writes it. */
export function zstdFrame(text: string | Buffer): Buffer {
  return zstdCompressSync(text, { params: { [constants.ZSTD_c_checksumFlag]: 1 } });
}

/** One archive entry as the file exporter writes it with `compression: zstd`: length, then frame. */
export function archiveEntry(document: string | Buffer, frame = zstdFrame(document)): Buffer {
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(frame.length);
  return Buffer.concat([prefix, frame]);
}

/** The audit record apitrail emits for each scripted request, `startMs` being offset 0. */
export function auditLogRecords(requests: readonly ScriptedRequest[], startMs: number): CraftedLogRecord[] {
  return requests.map((request) => ({
    eventName: EVENT_API_REQUEST,
    severityNumber: 9,
    timeUnixNano: `${BigInt(startMs + request.offsetSeconds * 1000) * 1_000_000n}`,
    attributes: {
      ...(request.apiKeyId === undefined ? {} : { [ATTR_API_KEY_ID]: request.apiKeyId }),
      [ATTR_CLIENT_ADDRESS]: request.sourceIp,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: request.statusCode,
      [ATTR_URL_PATH]: request.path,
    },
  }));
}
