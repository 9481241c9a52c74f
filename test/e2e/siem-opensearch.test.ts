// The SIEM path for real: a real app under the register sends its audit records and security events
// over OTLP to the gateway (gateway.yaml + siem-audit-records.yaml + siem-elasticsearch.yaml), whose
// elasticsearch exporter indexes them into a real OpenSearch node with apitrail's index template.
// Every Sigma rule in rules/, converted by pySigma's OpenSearch backend, then runs against the index:
// each correlation fires on its attack, for exactly the attacking key or address, and none fires on
// a benign-only run of the same number of requests.
import { expect } from 'chai';
import * as core from '@apitrail/core/internal';
import {
  convertRulesForOpenSearch,
  runRulesInOpenSearch,
  type ConvertedRule,
  type RuleResult,
} from '../../scripts/lib/sigma-opensearch.mjs';
import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { runApitrail } from '../helpers/apitrail-cli.ts';
import { startAppOnAgent, startGateway } from '../helpers/apitrail-pipeline.ts';
import { repoRoot, startApp } from '../helpers/app.ts';
import { requireCollector } from '../helpers/collector.ts';
import {
  authFailureBurst,
  credentialStuffing,
  excessVolume,
  keyFromAddresses,
  leakedKey,
  normalTraffic,
  notFoundScan,
  randomKeyId,
  revokedKeyUse,
  secretsInQuery,
  tenantEnumeration,
  tenantMismatches,
  testIp,
  type ScriptedRequest,
} from '../helpers/detect-scenarios.ts';
import { replay } from '../helpers/detect-traffic.ts';
import { rootKeyFiles } from '../helpers/integrity-keys.ts';
import { ecsField, startTestOpenSearch, type TestOpenSearch } from '../helpers/opensearch.ts';
import { waitFor } from '../helpers/wait.ts';

const AUDIT_QUERY = { query: { term: { 'event.action': core.EVENT_API_REQUEST } } };

describe('SIEM: a real OpenSearch behind the gateway, and every Sigma rule run against it', function () {
  // Two runs of ~2100 requests each through app, gateway and OpenSearch on a shared 2-core machine.
  this.timeout(300_000);
  let siem: TestOpenSearch;
  let rules: ConvertedRule[];
  let attack: RuleResult[];
  let benign: RuleResult[];
  const leaked = randomKeyId();
  const bruteForced = randomKeyId();
  const crossTenant = randomKeyId();
  const heavy = randomKeyId();
  const guesser = testIp(88);
  const scanner = testIp(77);
  const tenantHopper = testIp(99);
  const stuffer = testIp(66);
  const enumerator = testIp(55);
  const enumeratingKey = randomKeyId();
  const leakyClient = testIp(22);
  const revoked = randomKeyId();
  const travelling = randomKeyId();
  const hopping = randomKeyId();
  // Public addresses the embedded database places: US/AS15169, GB/AS20712, and three more US networks.
  const google = ['8.8.8.8', '8.8.4.4'];
  const [britishIsp, quad9, openDns, fastly] = ['81.2.69.142', '9.9.9.9', '208.67.222.222', '151.101.1.140'];
  // In both runs: a key on two addresses of one network in one country fires neither location rule.
  const steadyTraffic = keyFromAddresses(randomKeyId(), google);
  const attackRequests: ScriptedRequest[] = [
    ...steadyTraffic,
    ...normalTraffic(Array.from({ length: 50 }, randomKeyId)),
    ...leakedKey(leaked, 8),
    ...authFailureBurst(bruteForced, guesser, 15),
    ...notFoundScan(scanner, 30),
    ...tenantMismatches(crossTenant, tenantHopper, 4),
    ...credentialStuffing(stuffer, 20),
    ...tenantEnumeration(enumeratingKey, enumerator, 8),
    ...excessVolume(heavy, testIp(44), 1010),
    ...revokedKeyUse(revoked, testIp(33), 3),
    ...secretsInQuery(randomKeyId(), leakyClient, 8),
    ...keyFromAddresses(travelling, [google[0]!, britishIsp!]),
    ...keyFromAddresses(hopping, [google[0]!, quad9!, openDns!, fastly!]),
  ];
  // The same number of requests, from ordinary clients only.
  const benignRequests = [
    ...steadyTraffic,
    ...normalTraffic(Array.from({ length: Math.ceil(attackRequests.length / 20) }, randomKeyId)).slice(
      0,
      attackRequests.length - steadyTraffic.length,
    ),
  ];

  /** Drives `requests` through app → gateway → OpenSearch index `index`; resolves once all are indexed. */
  async function indexRun(binary: string, index: string, requests: readonly ScriptedRequest[]): Promise<void> {
    const gateway = await startGateway(binary, ['siem-audit-records.yaml', 'siem-elasticsearch.yaml'], {
      ELASTICSEARCH_ENDPOINT: siem.url,
      ELASTICSEARCH_LOGS_INDEX: index,
      ELASTICSEARCH_FLUSH_TIMEOUT: '200ms',
    });
    try {
      const app = await startApp({
        script: 'test/fixtures/detect-app.cjs',
        env: {
          OTEL_SERVICE_NAME: 'siem-opensearch-e2e',
          OTEL_EXPORTER_OTLP_ENDPOINT: gateway.otlpHttpEndpoint,
          OTEL_TRACES_EXPORTER: 'none',
          OTEL_LOGS_EXPORTER: 'otlp',
          OTEL_BLRP_SCHEDULE_DELAY: '100',
          OTEL_BLRP_MAX_QUEUE_SIZE: '10000',
          // The redaction-spike rule counts the summary; the secrets themselves never leave the app.
          APITRAIL_REDACT_SUMMARY: 'true',
        },
      });
      await replay(app.baseUrl, requests);
      await app.stop();
      let indexed = 0;
      await waitFor(
        `${requests.length} audit records in ${index}`,
        async () => ((indexed = await siem.count(index, AUDIT_QUERY)) === requests.length ? true : undefined),
        90_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}: ${indexed} indexed\n${gateway.diagnostics()}`);
      });
    } finally {
      await gateway.stop();
    }
  }

  before(async function () {
    const binary = await requireCollector(this);
    [siem, rules] = await Promise.all([startTestOpenSearch(), convertRulesForOpenSearch()]);
    await indexRun(binary, 'apitrail-attack', attackRequests);
    await indexRun(binary, 'apitrail-benign', benignRequests);
    attack = await runRulesInOpenSearch(siem.url, 'apitrail-attack', rules);
    benign = await runRulesInOpenSearch(siem.url, 'apitrail-benign', rules);
  });

  after(async () => {
    await siem?.stop();
  });

  const result = (results: RuleResult[], name: string): RuleResult =>
    results.find((entry) => entry.rule.name === name)!;

  it('indexes with the generated template: source.ip is an ip, @timestamp a date, the status code a long', async () => {
    const response = await fetch(
      `${siem.url}/apitrail-attack/_mapping/field/source.ip,@timestamp,http.response.status_code`,
    );
    const fields = ((await response.json()) as Record<string, { mappings: Record<string, { mapping: object }> }>)[
      'apitrail-attack'
    ]!.mappings;
    const type = (field: string): unknown => (Object.values(fields[field]!.mapping)[0] as { type: string }).type;
    expect([type('source.ip'), type('@timestamp'), type('http.response.status_code')]).to.deep.equal([
      'ip',
      'date_nanos',
      'long',
    ]);
    // A range query on the address works only on an ip field.
    expect(await siem.count('apitrail-attack', { query: { term: { 'source.ip': '203.0.113.0/24' } } })).to.be.above(0);
  });

  it('security events land next to the audit records, under their EventName in event.action', async () => {
    const refused = await siem.count('apitrail-attack', {
      query: { term: { 'event.action': core.OWASP_EVENTS.authnLoginFail } },
    });
    expect(refused).to.equal(attackRequests.filter((request) => request.statusCode === 401).length);
  });

  it('converts every rule with the OpenSearch backend', () => {
    expect(rules.filter((rule) => rule.unsupported !== undefined)).to.deep.equal([]);
    expect(rules.filter((rule) => rule.kind === 'base' && rule.query === undefined)).to.deep.equal([]);
  });

  const expectedGroups: Record<string, string[]> = {
    apitrail_key_multiple_source_ips: [leaked],
    apitrail_key_excess_volume: [heavy],
    apitrail_auth_failure_burst: [bruteForced],
    // The stuffing client is refused 20 times: a burst by address too.
    apitrail_auth_failure_burst_by_source_ip: [guesser, stuffer],
    apitrail_not_found_scan: [scanner],
    apitrail_credential_stuffing: [stuffer],
    apitrail_tenant_enumeration: [enumerator],
    // Walking tenant ids is claiming the wrong tenant 8 times: the streak fires for it too, as in process.
    apitrail_tenant_mismatch_streak: [crossTenant, enumeratingKey],
    apitrail_tenant_mismatch_streak_by_source_ip: [tenantHopper, enumerator],
    apitrail_key_new_country: [travelling],
    apitrail_key_new_asn: [hopping],
    apitrail_redaction_spike: [leakyClient],
  };

  it('every correlation rule is one the test expects (a new rule needs an attack here)', () => {
    const correlations = rules.filter((rule) => rule.kind === 'correlation').map((rule) => rule.name);
    expect(correlations).to.have.members(Object.keys(expectedGroups));
  });

  for (const [name, groups] of Object.entries(expectedGroups)) {
    it(`${name} fires on its attack, for exactly the attacker, and not on benign traffic`, () => {
      expect(result(attack, name).groups, 'attack run').to.have.members(groups);
      expect(result(benign, name).hits, 'benign run').to.equal(0);
    });
  }

  it('the tenant-mismatch streak counts the authz_fail security events, one per request claiming another tenant', async () => {
    const mismatches = { query: { term: { 'event.reason': 'tenant_mismatch' } } };
    const documents = await siem.documents('apitrail-attack', mismatches);
    expect(documents).to.have.length(12);
    expect(new Set(documents.map((document) => ecsField(document, 'event.action')))).to.deep.equal(
      new Set([core.OWASP_EVENTS.authzFail]),
    );
    const byKey = documents.map((document) => ecsField(document, 'apitrail.api_key.id'));
    expect(byKey.filter((key) => key === crossTenant)).to.have.length(4);
    expect(byKey.filter((key) => key === enumeratingKey)).to.have.length(8);
    // A client claiming the tenant it has makes no event: the benign run has none.
    expect(await siem.count('apitrail-benign', mismatches)).to.equal(0);
  });

  it('apitrail_revoked_key_reuse (one event is enough, no correlation) fires on each use of the revoked key only', async () => {
    expect(result(attack, 'apitrail_revoked_key_reuse').hits).to.equal(3);
    expect(result(benign, 'apitrail_revoked_key_reuse').hits).to.equal(0);
    const revokedUses = { query: { term: { 'apitrail.api_key.status': 'revoked' } } };
    const keys = (await siem.documents('apitrail-attack', revokedUses)).map((document) =>
      ecsField(document, 'apitrail.api_key.id'),
    );
    expect(new Set(keys)).to.deep.equal(new Set([revoked]));
  });

  it('the secrets behind the redaction spike reached OpenSearch only as counts, never as values', async () => {
    const tokens = attackRequests.flatMap((request) => /access_token=(ghp_\w+)/.exec(request.path)?.[1] ?? []);
    expect(tokens).to.have.length(8);
    const indexed = JSON.stringify(await siem.documents('apitrail-attack'));
    for (const token of tokens) expect(indexed, 'a query-string token reached the SIEM').to.not.include(token);
    const counted = { query: { range: { 'apitrail.redaction.masked.count': { gte: 1 } } } };
    expect(
      await siem.count('apitrail-attack', { query: { bool: { filter: [AUDIT_QUERY.query, counted.query] } } }),
    ).to.equal(8);
  });

  it('the register enriched the public addresses: country and AS number are indexed as the rules read them', async () => {
    const fromBritain = { query: { term: { 'source.geo.country_iso_code': 'GB' } } };
    const documents = await siem.documents('apitrail-attack', fromBritain);
    expect(documents.map((document) => ecsField(document, 'source.ip'))).to.include(britishIsp);
    expect(documents.map((document) => ecsField(document, 'source.as.number'))).to.include(20712);
  });

  it('the base rules match documents in both runs (the correlations, not the selections, tell attack from benign)', () => {
    expect(result(benign, 'apitrail_api_request_with_key').hits).to.equal(benignRequests.length);
    expect(result(attack, 'apitrail_api_request_unknown_key_refused').hits).to.equal(20);
    expect(result(benign, 'apitrail_api_request_unknown_key_refused').hits).to.equal(0);
  });

  describe('integrity survives the SIEM: records read back from OpenSearch verify, an edit made there is found', function () {
    const rootKey = rootKeyFiles();
    const index = 'apitrail-integrity';
    const requests = 12;
    let workDir: string;

    /** `npm run siem:export -- <index>` against the test node, into a file; then `apitrail verify` on it. */
    async function exportAndVerify(name: string) {
      const file = join(workDir, name);
      const { stdout } = await promisify(execFile)(process.execPath, ['scripts/siem-export.mjs', index], {
        cwd: repoRoot,
        env: { ...process.env, APITRAIL_SIEM_URL: siem.url },
        maxBuffer: 64 * 2 ** 20,
      });
      await writeFile(file, stdout);
      const result = await runApitrail(['verify', '--json', '--public-key', rootKey.publicFile, file]);
      const report = JSON.parse(result.stdout) as { records: number; findings: { kind: string }[] };
      return { ...result, report, kinds: report.findings.map((finding) => finding.kind) };
    }

    /** The ids of the audit record documents in the index. */
    async function auditDocumentIds(): Promise<string[]> {
      const response = await fetch(`${siem.url}/${index}/_search`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...AUDIT_QUERY, size: requests }),
      });
      return ((await response.json()) as { hits: { hits: { _id: string }[] } }).hits.hits.map((hit) => hit._id);
    }

    /** A request to the index's REST API, as an attacker with write access to the SIEM would send it. */
    async function tamper(method: 'POST' | 'DELETE', path: string, body?: object): Promise<string> {
      const response = await fetch(`${siem.url}/${index}/${path}?refresh=true`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return ((await response.json()) as { result: string }).result;
    }

    before(async function () {
      const binary = await requireCollector(this);
      workDir = await mkdtemp(join(tmpdir(), 'apitrail-siem-integrity-'));
      const gateway = await startGateway(binary, ['siem-audit-records.yaml', 'siem-elasticsearch.yaml'], {
        ELASTICSEARCH_ENDPOINT: siem.url,
        ELASTICSEARCH_LOGS_INDEX: index,
        ELASTICSEARCH_FLUSH_TIMEOUT: '200ms',
      });
      try {
        const app = await startAppOnAgent(gateway, 'examples/node-http/server.js', {
          ...rootKey.env,
          APITRAIL_INTEGRITY_CHECKPOINT_INTERVAL_MS: '200',
        });
        for (let n = 0; n < requests; n++) {
          const response = await fetch(`${app.baseUrl}/api/v1/scans?page=${n}`, {
            headers: { 'x-request-id': `siem-integrity-${n}` },
          });
          await response.arrayBuffer();
        }
        await app.stop();
        const closing = { query: { term: { 'apitrail.integrity.final': true } } };
        await waitFor('the closing checkpoint in OpenSearch', async () =>
          (await siem.count(index, closing)) === 1 ? true : undefined,
        );
      } finally {
        await gateway.stop();
      }
    });

    it('apitrail verify passes the records exported from the index', async () => {
      expect(await siem.count(index, AUDIT_QUERY)).to.equal(requests);
      const clean = await exportAndVerify('clean.jsonl');
      expect(clean.kinds, JSON.stringify(clean.report.findings)).to.deep.equal([]);
      expect(clean.code).to.equal(0);
      expect(clean.report.records).to.be.at.least(requests + 1);
    });

    it('an audit record edited in OpenSearch is reported modified, one deleted there is reported deleted', async () => {
      const [edited, removed] = await auditDocumentIds();
      const edit = { script: { source: 'ctx._source.http.response.status_code = 500', lang: 'painless' } };
      expect(await tamper('POST', `_update/${edited}`, edit)).to.equal('updated');
      const afterEdit = await exportAndVerify('edited.jsonl');
      expect(afterEdit.code).to.equal(1);
      expect(afterEdit.kinds).to.include('modified');

      expect(await tamper('DELETE', `_doc/${removed}`)).to.equal('deleted');
      const deleted = await exportAndVerify('deleted.jsonl');
      expect(deleted.code).to.equal(1);
      expect(deleted.kinds).to.include('deleted');
    });
  });
});
