#!/usr/bin/env node
// `npm run siem:start` / `npm run siem:stop`: a local single-node OpenSearch (siem/opensearch/) on
// http://127.0.0.1:9200, or the port in APITRAIL_SIEM_PORT. start returns once the node is ready and
// leaves it running; stop stops it and removes its data. The node's state (pid, home directory) is
// kept in a file named after the port in the temporary directory, so start and stop find each other.
// start installs apitrail's index template (siem/apitrail-index-template.json) for `apitrail-*`.
import { readFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@apitrail/core/internal';
import { startOpenSearch, stopOpenSearch } from './lib/opensearch.mjs';
import { putIndexTemplate } from './lib/siem-index-template.mjs';

const DEFAULT_PORT = 9200;

function siemPort() {
  const text = process.env.APITRAIL_SIEM_PORT;
  if (text === undefined || text === '') return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`APITRAIL_SIEM_PORT must be a TCP port (1-65535), got ${JSON.stringify(text)}`);
  }
  return port;
}

const stateFile = (port) => join(tmpdir(), `apitrail-siem-${port}.json`);

async function readState(port) {
  try {
    return JSON.parse(await readFile(stateFile(port), 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}

async function start(port) {
  const node = await startOpenSearch({ port, homeDir: join(tmpdir(), `apitrail-siem-${port}-home`), detached: true });
  await writeFile(stateFile(port), JSON.stringify({ pid: node.pid, home: node.home, url: node.url }));
  await putIndexTemplate(node.url, core);
  const rss = await node.residentBytes();
  process.stdout.write(
    `OpenSearch ready on ${node.url} in ${node.startSeconds.toFixed(1)} s` +
      `${rss === undefined ? '' : `, RSS ${Math.round(rss / 2 ** 20)} MiB`} (pid ${node.pid}, data in ${node.home})\n` +
      'stop it and remove its data with: npm run siem:stop\n',
  );
}

async function stop(port) {
  const state = await readState(port);
  if (state === undefined) {
    process.stdout.write(`no OpenSearch started by siem:start on port ${port}\n`);
    return;
  }
  await stopOpenSearch(state.pid, state.home);
  await rm(stateFile(port), { force: true });
  process.stdout.write(`OpenSearch on ${state.url} stopped, ${state.home} removed\n`);
}

const command = process.argv[2];
try {
  if (command !== 'start' && command !== 'stop') throw new Error('usage: node scripts/siem.mjs start|stop');
  const port = siemPort();
  await (command === 'start' ? start(port) : stop(port));
} catch (error) {
  process.stderr.write(`siem:${command ?? ''}: ${error.message}\n`);
  process.exitCode = 1;
}
