// The Sigma rules in rules/ converted for the SIEMs apitrail's gateway feeds, shipped as generated
// files in rules/generated/ so a user can paste them without installing pySigma:
// - splunk-hec-savedsearches.conf: SPL for the Splunk HEC pipeline (siem-splunk.yaml), every rule
//   with its correlation, as a savedsearches.conf (sigma-cli, pysigma-backend-splunk);
// - elasticsearch-ecs.esql: ES|QL for ECS documents (siem-elasticsearch.yaml), correlations included
//   (sigma-cli, pysigma-backend-elasticsearch);
// - opensearch-ecs-lucene.json: per rule, the Lucene query of pySigma's OpenSearch backend over the
//   ECS fields (OpenSearch Dashboards, Kibana), and each correlation's definition with ECS field names
//   (what scripts/lib/sigma-opensearch.mjs runs as an aggregation).
// scripts/generate-sigma-queries.mjs writes them; a unit test fails when they are stale.
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { sigmaPipelinesDir } from './sigma-pipelines.mjs';
import { convertRulesForOpenSearch, ecsPipelineFile, rulesDir } from './sigma-opensearch.mjs';

const execFileAsync = promisify(execFile);
export const generatedDir = join(rulesDir, 'generated');

const HEADER = (how) => `Generated from rules/*.yml by node scripts/generate-sigma-queries.mjs (${how}); do not edit.`;

async function sigmaConvert(args) {
  try {
    // Run from rules/ so the output names no absolute path.
    const { stdout } = await execFileAsync('sigma', ['convert', ...args, '.'], {
      cwd: rulesDir,
      maxBuffer: 16 * 2 ** 20,
    });
    return stdout;
  } catch (error) {
    if (error.code === 'ENOENT')
      throw new Error('sigma-cli is not installed: .ci/run installs it (pip install sigma-cli ...)', { cause: error });
    throw new Error(`sigma convert ${args.join(' ')}: ${error.stderr ?? error.message}`, { cause: error });
  }
}

/** JSON laid out as Prettier lays out the repository's JSON. */
async function prettierJson(path, value) {
  const prettier = await import('prettier');
  return prettier.format(JSON.stringify(value), { ...(await prettier.resolveConfig(path)), filepath: path });
}

const pipeline = (file) => relative(rulesDir, join(sigmaPipelinesDir, file));

/** Every generated file's name and content. */
export async function renderGeneratedQueries() {
  const splunk = await sigmaConvert([
    '-t',
    'splunk',
    '-f',
    'savedsearches',
    '-p',
    pipeline('apitrail-splunk-hec.yaml'),
  ]);
  const esql = await sigmaConvert(['-t', 'esql', '-p', pipeline('apitrail-elasticsearch-ecs.yaml')]);
  const lucene = await convertRulesForOpenSearch(rulesDir, ecsPipelineFile);
  return {
    'splunk-hec-savedsearches.conf': `# ${HEADER('sigma convert -t splunk -f savedsearches')}\n${splunk.trimEnd()}\n`,
    'elasticsearch-ecs.esql': `// ${HEADER('sigma convert -t esql')}\n${esql.trimEnd()}\n`,
    'opensearch-ecs-lucene.json': await prettierJson(join(generatedDir, 'opensearch-ecs-lucene.json'), {
      generated: HEADER("pySigma's OpenSearch backend"),
      rules: lucene,
    }),
  };
}

/** Rewrites rules/generated/; returns the files that changed. */
export async function writeGeneratedQueries() {
  const changed = [];
  for (const [file, text] of Object.entries(await renderGeneratedQueries())) {
    const path = join(generatedDir, file);
    if ((await readFile(path, 'utf8').catch(() => '')) === text) continue;
    await writeFile(path, text);
    changed.push(file);
  }
  return changed;
}
