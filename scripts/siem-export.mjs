#!/usr/bin/env node
// `npm run siem:export -- [INDEX] > records.jsonl`: every document of an OpenSearch index (default
// `apitrail-*`) as stored, one JSON object per line, from the node on APITRAIL_SIEM_PORT (9200) or
// APITRAIL_SIEM_URL. `npx apitrail verify --public-key <root>.pub records.jsonl` checks them: the
// records' integrity survives the SIEM, and an edit made in the SIEM is found.
import { exportDocuments } from './lib/opensearch.mjs';

function siemUrl() {
  if (process.env.APITRAIL_SIEM_URL) return process.env.APITRAIL_SIEM_URL;
  return `http://127.0.0.1:${process.env.APITRAIL_SIEM_PORT || 9200}`;
}

const index = process.argv[2] ?? 'apitrail-*';
try {
  await exportDocuments(siemUrl(), index, (document) => process.stdout.write(`${JSON.stringify(document)}\n`));
} catch (error) {
  process.stderr.write(`siem:export: ${error.message}\n`);
  process.exitCode = 1;
}
