// Reads the gateway's archive files. The collector's file exporter writes OTLP-JSON one export per
// line; with compression on, each export is instead a 4-byte big-endian length followed by that many
// bytes of one zstd frame (the exporter's length-prefixed framing), so the archive stays appendable.
import { zstdDecompressSync } from 'node:zlib';

const ZSTD_MAGIC = 0xfd2fb528;

/** The OTLP-JSON documents in an archive file's bytes, compressed or not. */
export function archiveDocuments(bytes) {
  const compressed = bytes.length >= 8 && bytes.readUInt32LE(4) === ZSTD_MAGIC;
  if (!compressed) {
    return bytes
      .toString('utf8')
      .split('\n')
      .filter((line) => line.trim() !== '');
  }
  const documents = [];
  for (let offset = 0; offset < bytes.length;) {
    if (offset + 4 > bytes.length) throw new Error(`truncated length prefix at byte ${offset}`);
    const length = bytes.readUInt32BE(offset);
    const end = offset + 4 + length;
    if (end > bytes.length) throw new Error(`truncated frame at byte ${offset} (${length} bytes announced)`);
    documents.push(zstdDecompressSync(bytes.subarray(offset + 4, end)).toString('utf8'));
    offset = end;
  }
  return documents;
}
