// The Sigma rules in rules/ run for real against OpenSearch: pySigma's OpenSearch backend (in its own
// virtual environment: it pins pySigma below 2) converts every base rule to a Lucene query with the
// ECS processing pipeline; the backend has no correlation rules, so each correlation runs here as an
// OpenSearch aggregation over its base rules' queries, grouped by its group-by fields and counted per
// time window.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { cacheRoot as collectorCacheRoot } from './collector-dist.mjs';

const execFileAsync = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sigmaDir = join(repoRoot, 'siem', 'sigma');
const requirementsFile = join(sigmaDir, 'requirements.txt');
export const rulesDir = join(repoRoot, 'rules');
export const ecsPipelineFile = join(rulesDir, 'pipelines', 'apitrail-elasticsearch-ecs.yaml');

async function venvDir() {
  const hash = createHash('sha256')
    .update(await readFile(requirementsFile))
    .digest('hex')
    .slice(0, 16);
  return join(dirname(collectorCacheRoot()), 'sigma-opensearch', hash);
}

/** The virtual environment's python, created and filled from siem/sigma/requirements.txt when missing. */
export async function ensureSigmaOpenSearch() {
  const dir = await venvDir();
  const python = join(dir, 'bin', 'python');
  const ready = join(dir, '.installed');
  if (await stat(ready).catch(() => undefined)) return python;
  await rm(dir, { recursive: true, force: true });
  process.stderr.write(`$ python3 -m venv ${dir} && pip install -r ${requirementsFile}\n`);
  await execFileAsync('python3', ['-m', 'venv', dir]);
  await execFileAsync(python, [
    '-m',
    'pip',
    'install',
    '--quiet',
    '--disable-pip-version-check',
    '-r',
    requirementsFile,
  ]);
  await execFileAsync('touch', [ready]);
  return python;
}

/** Every rule in `dir`, converted for OpenSearch (siem/sigma/convert_opensearch.py's JSON). */
export async function convertRulesForOpenSearch(dir = rulesDir, pipelineFile = ecsPipelineFile) {
  const python = await ensureSigmaOpenSearch();
  const { stdout } = await execFileAsync(python, [join(sigmaDir, 'convert_opensearch.py'), dir, pipelineFile], {
    maxBuffer: 16 * 2 ** 20,
  });
  return JSON.parse(stdout).rules;
}

async function search(url, index, body) {
  const response = await fetch(new URL(`/${index}/_search`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`POST ${index}/_search: ${response.status} ${text}`);
  return JSON.parse(text);
}

const COMPARE = {
  gt: (value, count) => value > count,
  gte: (value, count) => value >= count,
  lt: (value, count) => value < count,
  lte: (value, count) => value <= count,
  eq: (value, count) => value === count,
  neq: (value, count) => value !== count,
};

/** The most groups a correlation looks at (a terms aggregation's size). */
const MAX_GROUPS = 10_000;

/**
 * The groups (group-by values joined by `|`) for which the correlation's condition holds in some
 * window. Sigma's timespan is a sliding window; OpenSearch buckets are fixed, so two grids of
 * buckets of the timespan's length, the second offset by half of it, are counted: a burst shorter
 * than half the timespan always falls whole into one bucket (Splunk's `bin _time` conversion, with
 * one grid, can split it), a longer one may be split.
 */
async function correlationGroups(url, index, correlation, baseQueries) {
  const { type, groupBy, timespanSeconds, condition } = correlation;
  const compare = COMPARE[condition.op];
  if (compare === undefined)
    throw new Error(`${correlation.name}: condition operator ${condition.op} is not supported`);
  if (type !== 'event_count' && type !== 'value_count') {
    throw new Error(`${correlation.name}: correlation type ${type} is not supported`);
  }
  const windows = (offsetSeconds) => ({
    date_histogram: {
      field: '@timestamp',
      fixed_interval: `${timespanSeconds}s`,
      offset: `${offsetSeconds}s`,
      min_doc_count: 1,
    },
    ...(type === 'value_count' ? { aggs: { distinct: { cardinality: { field: condition.field } } } } : {}),
  });
  const group =
    groupBy.length === 1
      ? { terms: { field: groupBy[0], size: MAX_GROUPS } }
      : { multi_terms: { terms: groupBy.map((field) => ({ field })), size: MAX_GROUPS } };
  const response = await search(url, index, {
    size: 0,
    query: { bool: { should: baseQueries.map((query) => ({ query_string: { query } })), minimum_should_match: 1 } },
    aggs: {
      groups: {
        ...group,
        aggs: { grid: windows(0), shifted: windows(Math.floor(timespanSeconds / 2)) },
      },
    },
  });
  const measure = (bucket) => (type === 'value_count' ? bucket.distinct.value : bucket.doc_count);
  return (response.aggregations?.groups.buckets ?? [])
    .filter((bucket) =>
      [...bucket.grid.buckets, ...bucket.shifted.buckets].some((window) => compare(measure(window), condition.count)),
    )
    .map((bucket) => (Array.isArray(bucket.key) ? bucket.key.join('|') : String(bucket.key)));
}

/**
 * Runs every converted rule against `index` (a name or pattern): a base rule's hits are its matching
 * documents, a correlation's the groups it fires for. A rule the backend could not convert, or a
 * correlation over such a rule, is reported with the reason and no hits.
 */
export async function runRulesInOpenSearch(url, index, rules) {
  const byName = new Map(rules.map((rule) => [rule.name, rule]));
  const results = [];
  for (const rule of rules) {
    if (rule.kind === 'base') {
      if (rule.unsupported !== undefined) {
        results.push({ rule, hits: undefined, unsupported: rule.unsupported });
        continue;
      }
      const response = await search(url, index, {
        size: 0,
        track_total_hits: true,
        query: { query_string: { query: rule.query } },
      });
      results.push({ rule, hits: response.hits.total.value });
      continue;
    }
    const bases = rule.rules.map((name) => byName.get(name));
    const refused = bases.find((base) => base === undefined || base.unsupported !== undefined);
    if (refused !== undefined) {
      results.push({
        rule,
        hits: undefined,
        unsupported: refused === undefined ? 'refers to an unknown rule' : `${refused.name}: ${refused.unsupported}`,
      });
      continue;
    }
    const groups = await correlationGroups(
      url,
      index,
      rule,
      bases.map((base) => base.query),
    );
    results.push({ rule, hits: groups.length, groups });
  }
  return results;
}
