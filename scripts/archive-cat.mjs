// Prints archive files (collector-config/gateway.yaml's file/archive, compressed or not) as NDJSON:
// one OTLP-JSON export per line, ready for jq.
//   node scripts/archive-cat.mjs /var/lib/otelcol/apitrail-archive/logs.otlp.jsonl [more files...]
import { readFile } from 'node:fs/promises';
import { archiveDocuments } from './lib/otlp-archive.mjs';

if (process.argv.length < 3) {
  process.stderr.write('usage: node scripts/archive-cat.mjs <archive file>...\n');
  process.exit(64);
}
for (const file of process.argv.slice(2)) {
  for (const document of archiveDocuments(await readFile(file))) process.stdout.write(`${document}\n`);
}
