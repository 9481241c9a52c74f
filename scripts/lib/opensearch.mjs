// A real single-node OpenSearch for the SIEM tests and `npm run demo -- --siem`: the launcher in
// siem/opensearch/ (a Maven project: OpenSearch's jars from Maven Central, no distribution download,
// no container) is built once per hash of its sources and cached like the collector, then run with a
// small heap, bound to 127.0.0.1, its data in a temporary directory.
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, readdir, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { cacheRoot as collectorCacheRoot, run } from './collector-dist.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const launcherProject = join(repoRoot, 'siem', 'opensearch');
const LAUNCHER_CLASS = 'dev.apitrail.siem.ApitrailOpenSearch';
const LAUNCHER_JAR = 'apitrail-opensearch.jar';
/** A 2-core, 24 GiB machine shared with the collector, the apps and the test runner. */
export const DEFAULT_HEAP = '512m';
const READY_TIMEOUT_MS = 120_000;

async function sourceFiles(dir) {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter(
      (entry) => entry.isFile() && !relative(launcherProject, join(entry.parentPath, entry.name)).startsWith('target'),
    )
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
}

/** Hash of the pom and the launcher's sources: a change to either is a new build. */
async function projectHash() {
  const hash = createHash('sha256');
  for (const file of await sourceFiles(launcherProject)) {
    hash
      .update(relative(launcherProject, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

export function cacheRoot() {
  return process.env.APITRAIL_OPENSEARCH_CACHE ?? join(dirname(collectorCacheRoot()), 'opensearch');
}

async function distDir() {
  return join(cacheRoot(), await projectHash());
}

async function exists(path) {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** The cached build's directory (launcher jar + lib/), or undefined when not built for these sources. */
export async function openSearchDist() {
  const dir = await distDir();
  return (await exists(join(dir, LAUNCHER_JAR))) ? dir : undefined;
}

/** Builds the launcher with Maven in a scratch copy (the repository stays clean) and caches it. */
export async function buildOpenSearch() {
  const target = await distDir();
  const work = `${target}.work`;
  await rm(work, { recursive: true, force: true });
  await cp(launcherProject, work, {
    recursive: true,
    filter: (source) => !source.includes(`${launcherProject}/target`),
  });
  await run('mvn', ['-q', '-B', 'package'], { cwd: work });
  await mkdir(join(work, 'dist'));
  await rename(join(work, 'target', 'lib'), join(work, 'dist', 'lib'));
  await rename(join(work, 'target', 'apitrail-opensearch-0.1.0.jar'), join(work, 'dist', LAUNCHER_JAR));
  await rm(target, { recursive: true, force: true });
  await rename(join(work, 'dist'), target);
  await rm(work, { recursive: true, force: true });
  return target;
}

/** The cached build, built first when missing. */
export async function ensureOpenSearch() {
  return (await openSearchDist()) ?? (await buildOpenSearch());
}

/** GET `path` on the node; undefined while nothing answers. */
export async function openSearchGet(url, path) {
  try {
    const response = await fetch(new URL(path, url), { signal: AbortSignal.timeout(5000) });
    return { status: response.status, body: await response.text(), headers: response.headers };
  } catch {
    return undefined;
  }
}

/** The resident set size of a process, in bytes (Linux /proc), or undefined where unreadable. */
export async function residentBytes(pid) {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const kib = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return kib ? Number(kib[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a node on 127.0.0.1:`port` with its home (data, logs) in `homeDir` (a new temporary
 * directory by default), and resolves once the cluster is at least yellow. `detached` leaves it
 * running after this process exits (`npm run siem:start`). A node that exits or is not ready in time
 * is an error carrying the end of its log.
 */
export async function startOpenSearch({ port, homeDir, heap = DEFAULT_HEAP, detached = false }) {
  const dist = await ensureOpenSearch();
  const home = homeDir ?? (await mkdtemp(join(tmpdir(), 'apitrail-opensearch-')));
  await mkdir(home, { recursive: true });
  const url = `http://127.0.0.1:${port}`;
  if ((await openSearchGet(url, '/')) !== undefined) {
    throw new Error(`something already answers on ${url}: stop it or choose another port (APITRAIL_SIEM_PORT)`);
  }
  const logFile = join(home, 'node.log');
  const log = openSync(logFile, 'a');
  const started = performance.now();
  const child = spawn(
    'java',
    [
      `-Xms${heap}`,
      `-Xmx${heap}`,
      // The JVM would size its GC and JIT threads for every core; the machine is shared.
      '-XX:+UseSerialGC',
      '-Djava.awt.headless=true',
      '-Dlog4j2.disable.jmx=true',
      '-cp',
      `${join(dist, LAUNCHER_JAR)}:${join(dist, 'lib', '*')}`,
      LAUNCHER_CLASS,
      home,
      String(port),
    ],
    { stdio: ['ignore', log, log], detached },
  );
  closeSync(log);
  let exit;
  child.once('exit', (code, signal) => (exit = signal ?? code));
  const failure = async (reason) => {
    if (exit === undefined) child.kill('SIGKILL');
    const tail = (await readFile(logFile, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
    return new Error(`OpenSearch on ${url} ${reason}; the end of ${logFile}:\n${tail}`);
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exit !== undefined) throw await failure(`exited with ${exit} before it was ready`);
    if (Date.now() > deadline) throw await failure(`was not ready within ${READY_TIMEOUT_MS / 1000} s`);
    const health = await openSearchGet(url, '/_cluster/health?wait_for_status=yellow&timeout=1s');
    if (health?.status === 200) break;
    await sleep(250);
  }
  const startSeconds = (performance.now() - started) / 1000;
  if (detached) child.unref();
  return {
    url,
    port,
    home,
    pid: child.pid,
    startSeconds,
    residentBytes: () => residentBytes(child.pid),
    /** Stops the node (SIGTERM, then SIGKILL after 20 s) and removes its home directory. */
    stop: () => stopOpenSearch(child.pid, home),
  };
}

/** Stops the node with this pid and removes its home directory (data and logs). */
export async function stopOpenSearch(pid, home) {
  if (isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(50);
  }
  await rm(home, { recursive: true, force: true });
}

async function postJson(url, path, body) {
  const response = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/**
 * Every document of `index` (a name or pattern), as stored (_source), handed to `write` one at a
 * time in index order, through the scroll API (no 10,000-hit limit). Returns how many there were.
 */
export async function exportDocuments(url, index, write) {
  let page = await postJson(url, `/${index}/_search?scroll=1m`, { size: 1000, sort: ['_doc'] });
  let count = 0;
  try {
    while (page.hits.hits.length > 0) {
      for (const hit of page.hits.hits) write(hit._source);
      count += page.hits.hits.length;
      page = await postJson(url, '/_search/scroll', { scroll: '1m', scroll_id: page._scroll_id });
    }
  } finally {
    await fetch(new URL('/_search/scroll', url), {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scroll_id: page._scroll_id }),
    });
  }
  return count;
}
