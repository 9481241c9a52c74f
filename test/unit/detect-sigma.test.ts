// The Sigma rules in rules/ are the fleet-wide twins of the in-process rules: same names, ids,
// thresholds and windows as RULES and DETECT_DEFAULTS. This keeps them from drifting apart, and has
// a real Sigma tool (sigma-cli with pySigma's Splunk and Elasticsearch backends, installed by
// .ci/run) check every rule and convert it through each processing pipeline in rules/pipelines/.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@apitrail/core/internal';
import { DETECT_DEFAULTS, RULES } from '@apitrail/detect';
import { renderPipeline, sigmaPipelinesDir, TARGETS } from '../../scripts/lib/sigma-pipelines.mjs';
import { repoRoot } from '../helpers/app.ts';

interface SigmaDocument {
  readonly file: string;
  readonly name: string;
  readonly id: string;
  readonly text: string;
}

const rulesDir = join(repoRoot, 'rules');

function documents(): SigmaDocument[] {
  return readdirSync(rulesDir)
    .filter((file) => file.endsWith('.yml'))
    .flatMap((file) =>
      readFileSync(join(rulesDir, file), 'utf8')
        .split(/^---$/m)
        .map((text) => ({
          file,
          text,
          name: /^name: (\S+)$/m.exec(text)?.[1] ?? '',
          id: /^id: (\S+)$/m.exec(text)?.[1] ?? '',
        })),
    );
}

/** `1h` / `5m` as seconds. */
function seconds(timespan: string): number {
  const [, value, unit] = /^(\d+)([smhd])$/.exec(timespan)!;
  return Number(value) * { s: 1, m: 60, h: 3600, d: 86400 }[unit as 's' | 'm' | 'h' | 'd'];
}

function correlation(document: SigmaDocument): { timespan: number; gt: number; groupBy: string[]; field?: string } {
  const groupBy = /group-by:\n((?: {4}- \S+\n)+)/.exec(document.text)![1]!.match(/\S+$/gm)!;
  return {
    timespan: seconds(/^ {2}timespan: (\S+)$/m.exec(document.text)![1]!),
    gt: Number(/^ {4}gt: (\d+)$/m.exec(document.text)![1]),
    groupBy,
    ...(/^ {4}field: (\S+)$/m.test(document.text) ? { field: /^ {4}field: (\S+)$/m.exec(document.text)![1]! } : {}),
  };
}

describe('Sigma rules (rules/)', () => {
  const all = documents();
  const byName = new Map(all.map((document) => [document.name, document]));

  it('every document has a unique name and a unique v4 UUID, and every referenced base rule exists', () => {
    expect(new Set(all.map((d) => d.name)).size).to.equal(all.length);
    expect(new Set(all.map((d) => d.id)).size).to.equal(all.length);
    for (const document of all) {
      expect(document.id, document.file).to.match(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      for (const [, referenced] of document.text.matchAll(/^ {4}- (apitrail_\S+)$/gm)) {
        expect(byName.has(referenced!), `${document.name} → ${referenced}`).to.equal(true);
      }
    }
  });

  it('each in-process rule has a correlation rule with its name, UUID, default threshold and window', () => {
    const expectations = [
      {
        rule: RULES.keyMultipleSourceIps,
        gt: DETECT_DEFAULTS.maxSourceIpsPerKey,
        window: DETECT_DEFAULTS.windowSeconds,
        field: 'source_ip',
        groupBy: ['api_key_id'],
      },
      {
        rule: RULES.keyExcessVolume,
        gt: DETECT_DEFAULTS.maxRequestsPerKey,
        window: DETECT_DEFAULTS.windowSeconds,
        groupBy: ['api_key_id'],
      },
      {
        rule: RULES.authFailureBurst,
        gt: DETECT_DEFAULTS.maxAuthFailures,
        window: DETECT_DEFAULTS.burstWindowSeconds,
        groupBy: ['api_key_id'],
      },
      {
        rule: RULES.notFoundScan,
        gt: DETECT_DEFAULTS.maxNotFound,
        window: DETECT_DEFAULTS.burstWindowSeconds,
        groupBy: ['source_ip'],
      },
      {
        rule: RULES.tenantMismatchStreak,
        gt: DETECT_DEFAULTS.maxTenantMismatches,
        window: DETECT_DEFAULTS.burstWindowSeconds,
        groupBy: ['api_key_id'],
      },
      {
        rule: RULES.credentialStuffing,
        gt: DETECT_DEFAULTS.maxKeysPerIp,
        window: DETECT_DEFAULTS.burstWindowSeconds,
        field: 'api_key_fingerprint',
        groupBy: ['source_ip'],
      },
      {
        rule: RULES.tenantEnumeration,
        gt: DETECT_DEFAULTS.maxTenantsPerIp,
        window: DETECT_DEFAULTS.burstWindowSeconds,
        field: 'tenant_claimed_id',
        groupBy: ['source_ip'],
      },
    ];
    // The baseline rules have no Sigma form of their baseline: the same name and UUID, a distinct count per day.
    for (const rule of [RULES.keyNewCountry, RULES.keyNewAsn, RULES.revokedKeyReuse]) {
      expect(byName.get(rule.name)?.id, rule.name).to.equal(rule.uuid);
    }
    for (const { rule, gt, window, field, groupBy } of expectations) {
      const document = byName.get(rule.name);
      expect(document, rule.name).to.not.equal(undefined);
      expect(document!.id).to.equal(rule.uuid);
      expect(correlation(document!)).to.deep.equal({
        timespan: window,
        gt,
        groupBy,
        ...(field === undefined ? {} : { field }),
      });
    }
    expect(correlation(byName.get('apitrail_auth_failure_burst_by_source_ip')!)).to.include({
      gt: DETECT_DEFAULTS.maxAuthFailures,
    });
    expect(correlation(byName.get('apitrail_tenant_mismatch_streak_by_source_ip')!)).to.deep.equal({
      timespan: DETECT_DEFAULTS.burstWindowSeconds,
      gt: DETECT_DEFAULTS.maxTenantMismatches,
      groupBy: ['source_ip'],
    });
  });
});

const SIGMA_INSTALL = 'python3 -m pip install sigma-cli pysigma-backend-splunk pysigma-backend-elasticsearch';

/** Runs sigma-cli; its exit status and both streams. */
function sigma(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('sigma', args, { encoding: 'utf8' });
  if (result.error !== undefined)
    throw new Error(`sigma-cli is not installed (${SIGMA_INSTALL}): ${result.error.message}`);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The queries `sigma convert` prints for `inputs` with one of rules/pipelines/; fails the test on an error. */
function convert(backend: string, pipelineFile: string, inputs: string[]): string {
  const result = sigma(['convert', '-t', backend, '-p', join(sigmaPipelinesDir, pipelineFile), ...inputs]);
  expect(result.status, `${result.stdout}\n${result.stderr}`).to.equal(0);
  return result.stdout;
}

/** Each base rule (a document with a detection) alone in a file, by name, for backends without correlations. */
function baseRuleFiles(): Map<string, string> {
  const dir = mkdtempSync(join(tmpdir(), 'apitrail-sigma-base-'));
  const files = new Map<string, string>();
  for (const document of documents().filter((candidate) => /^detection:$/m.test(candidate.text))) {
    const path = join(dir, `${document.name}.yml`);
    writeFileSync(path, document.text);
    files.set(document.name, path);
  }
  return files;
}

/** Field names of the NDJSON lines (not as the last part of a dotted name) that a renaming pipeline must not leave. */
const NDJSON_NAMES = /(?<![\w.])(?:api_key_id|source_ip|status_code|tenant_id|tenant_claimed_id|event)(?![\w.])/;

describe('Sigma rules through sigma-cli and the processing pipelines (rules/pipelines/)', function () {
  const correlations = documents().filter((document) => /^correlation:$/m.test(document.text));
  const correlationCount = correlations.length;
  // A base rule no correlation refers to is a detection of its own (one event is enough): one query each.
  const referenced = new Set(correlations.flatMap((document) => document.text.match(/(?<=^ {4}- )\S+$/gm) ?? []));
  const queryCount =
    correlationCount +
    documents().filter((document) => !/^correlation:$/m.test(document.text) && !referenced.has(document.name)).length;
  // The tenant-mismatch rules count apitrail's authz_fail security events, every other rule audit records.
  const TENANT_MISMATCH_RULES = 2;
  const count = (text: string, pattern: RegExp): number =>
    text.match(new RegExp(pattern.source, `${pattern.flags}g`))?.length ?? 0;

  for (const target of TARGETS) {
    it(`${target.file} is up to date with FIELD_MAPPINGS`, async () => {
      const text = readFileSync(join(sigmaPipelinesDir, target.file), 'utf8');
      expect(
        await renderPipeline(core, target),
        `${target.file} is stale: run node scripts/generate-sigma-pipelines.mjs`,
      ).to.equal(text);
    });
  }

  it('picks up a mapping added to FIELD_MAPPINGS', async () => {
    const extended = {
      ...core,
      FIELD_MAPPINGS: [...core.FIELD_MAPPINGS, { attribute: 'x.new', ndjson: 'x_new', ecs: 'apitrail.x.new' }],
    };
    const ecs = TARGETS.find((target) => target.key === 'ecs')!;
    expect(await renderPipeline(extended, ecs)).to.include("x_new: 'apitrail.x.new'");
  });

  it('sigma check finds no error, condition error or issue in any rule', () => {
    const result = sigma(['check', join(repoRoot, 'rules')]);
    expect(result.status, `${result.stdout}\n${result.stderr}`).to.equal(0);
    expect(result.stdout).to.include('Found 0 errors, 0 condition errors and 0 issues.');
  });

  it('Splunk over HEC: SPL with the OTel attribute names and the HEC sourcetype, every correlation', () => {
    const spl = convert('splunk', 'apitrail-splunk-hec.yaml', [join(repoRoot, 'rules')]);
    expect(count(spl, /\| stats /)).to.equal(correlationCount);
    expect(count(spl, /^sourcetype="apitrail:security" event\.name="apitrail\.api_request" /m)).to.equal(
      queryCount - TENANT_MISMATCH_RULES,
    );
    expect(
      count(spl, /^sourcetype="apitrail:security" event\.name="authz_fail" event\.reason="tenant_mismatch"$/m),
    ).to.equal(TENANT_MISMATCH_RULES);
    expect(spl).to.include('| stats dc(client.address) as value_count by _time api_key.id');
    expect(spl).to.include('http.response.status_code IN (401, 403)');
    expect(spl).to.include('| stats count as event_count by _time client.address');
    expect(spl).to.not.match(NDJSON_NAMES);
  });

  it('Elasticsearch (ECS): ES|QL with the ECS field names on the exporter index, every correlation', () => {
    const esql = convert('esql', 'apitrail-elasticsearch-ecs.yaml', [join(repoRoot, 'rules')]);
    expect(count(esql, /^from apitrail-security .*\| where event\.action=="apitrail\.api_request"/m)).to.equal(
      queryCount - TENANT_MISMATCH_RULES,
    );
    expect(
      count(
        esql,
        /^from apitrail-security .*\| where event\.action=="authz_fail" and event\.reason=="tenant_mismatch"$/m,
      ),
    ).to.equal(TENANT_MISMATCH_RULES);
    expect(esql).to.include('stats value_count=count_distinct(source.ip) by timebucket, apitrail.api_key.id');
    expect(esql).to.include('by timebucket, source.ip');
    expect(esql).to.include('http.response.status_code==404');
    expect(esql).to.not.match(NDJSON_NAMES);
  });

  it('Elasticsearch (ECS): Lucene queries of every base rule (Lucene has no correlations)', () => {
    const files = baseRuleFiles();
    const lucene = convert('lucene', 'apitrail-elasticsearch-ecs.yaml', [...files.values()]);
    // A rule with a filter (`not prefix_claim`) is parenthesised: `(event.action:… AND …) AND (NOT …)`.
    expect(count(lucene, /^\(?event\.action:apitrail\.api_request AND /m)).to.equal(files.size - 1);
    expect(lucene).to.include('(NOT _exists_:apitrail.api_key.prefix)');
    expect(lucene).to.match(/^event\.action:authz_fail AND event\.reason:tenant_mismatch$/m);
    expect(lucene).to.include('_exists_:apitrail.api_key.id');
    expect(lucene).to.include('http.response.status_code:(401 OR 403)');
    expect(lucene).to.not.match(NDJSON_NAMES);
  });

  it('NDJSON files: the field names stay as the NDJSON line has them', () => {
    const spl = convert('splunk', 'apitrail-ndjson.yaml', [join(repoRoot, 'rules')]);
    expect(count(spl, /^event="apitrail\.api_request" /m)).to.equal(queryCount - TENANT_MISMATCH_RULES);
    expect(count(spl, /^event="authz_fail" event_reason="tenant_mismatch"$/m)).to.equal(TENANT_MISMATCH_RULES);
    expect(spl).to.include('| stats dc(source_ip) as value_count by _time api_key_id');
    expect(spl).to.include('status_code IN (401, 403)');
    expect(spl).to.not.match(/\b(?:api_key|client|tenant|http\.response)\.\w/);
    expect(spl).to.match(NDJSON_NAMES);
  });

  for (const target of TARGETS) {
    it(`${target.file} refuses a rule using a field its target does not have`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'apitrail-sigma-unknown-'));
      writeFileSync(
        join(dir, 'misspelt.yml'),
        [
          'title: misspelt field',
          `id: ${crypto.randomUUID()}`,
          'logsource:',
          '  product: apitrail',
          '  service: audit',
          'detection:',
          '  selection:',
          '    event: apitrail.api_request',
          '    api_key: leaked',
          '  condition: selection',
          '',
        ].join('\n'),
      );
      const result = sigma(['convert', '-t', 'splunk', '-p', join(sigmaPipelinesDir, target.file), dir]);
      expect(result.status).to.not.equal(0);
      expect(result.stderr).to.include(`The rule uses a field that ${target.file} does not map`);
    });
  }
});
