// `npm run demo` (scripts/demo.mjs) end to end: the scenario's outcomes from its --json summary,
// its NDJSON stream checked independently for anything shaped like the secrets the driver sends,
// and the same scenario through the real agent and gateway collectors with --collector, delivered
// to local stand-ins for syslog/CEF and Splunk HEC, and with --siem into a real OpenSearch.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { ATTR_CLIENT_ADDRESS, ATTR_EVENT_ACTION, NDJSON_FIELDS } from '@apitrail/core/internal';
import { leakedSecrets } from '../../scripts/lib/secret-search.mjs';
import { repoRoot } from '../helpers/app.ts';
import { parseCef } from '../helpers/cef.ts';
import { requireCollector } from '../helpers/collector.ts';
import { newSecret } from '../helpers/identity-keys.ts';
import { ecsField } from '../helpers/opensearch.ts';
import { freePort } from '../helpers/ports.ts';

const run = promisify(execFile);

interface DemoSummary {
  mode: string;
  records: number;
  requests: number;
  requestsByKey: Record<string, number>;
  requestsByTenant: Record<string, number>;
  securityEvents: Record<string, number>;
  securityEventReasons: Record<string, number>;
  alerts: Record<string, number>;
  secrets: { sent: number; leaked: number; leakedWhat: string[] };
  /** What the demo's local alert receiver got, and how many signatures it verified. */
  webhook: { delivered: number; verified: number };
  sinks?: {
    complete: boolean;
    archive: { logRecords: number; auditRecords: number; spans: number };
    securityEvents: Record<string, number>;
    authFailures: { byApiKey: Record<string, number>; bySourceIp: Record<string, number> };
    /** Per SIEM stand-in, what it received by event name. */
    siem: {
      syslogCef: Record<string, number>;
      splunkHec: Record<string, number>;
    };
  };
}

async function demo(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await run(process.execPath, ['scripts/demo.mjs', ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

const summaryOf = (stdout: string): DemoSummary => JSON.parse(stdout.trim().split('\n').at(-1)!) as DemoSummary;

/** What the scenario in scripts/lib/demo-scenario.mjs sends, counted by hand. */
function expectScenarioOutcomes(summary: DemoSummary): void {
  expect(summary.requestsByKey).to.deep.equal({
    '(unregistered key)': 12,
    'key-billing': 5,
    'key-ci': 6,
    'key-dashboard': 7,
    'key-demo-1': 2,
    'key-mobile': 4,
    'key-partner': 8,
  });
  expect(summary.requestsByTenant).to.deep.equal({ '(none)': 12, acme: 17, globex: 13, 'tenant-demo-1': 2 });
  expect(summary.securityEventReasons).to.deep.equal({
    'authn_login_fail (unknown_api_key)': 12,
    'authz_fail (tenant_mismatch)': 4,
    'input_validation_fail (correlation_id_credential)': 1,
  });
  expect(summary.alerts).to.deep.equal({
    apitrail_auth_failure_burst: 1,
    // The burst of 401s tries twelve different unknown keys from one address.
    apitrail_credential_stuffing: 1,
    apitrail_key_multiple_source_ips: 1,
    apitrail_tenant_mismatch_streak: 2,
    // key-mobile: three requests from Great Britain, then one from Brazil.
    apitrail_key_new_country: 1,
    apitrail_key_new_asn: 1,
    apitrail_impossible_travel: 1,
  });
  // Every alert also reached the local webhook receiver, with a signature it verified.
  const alertCount = Object.values(summary.alerts).reduce((sum, count) => sum + count, 0);
  expect(summary.webhook).to.deep.equal({ delivered: alertCount, verified: alertCount });
  expect(summary.secrets).to.deep.equal({ sent: 20, leaked: 0, leakedWhat: [] });
}

describe('npm run demo', function () {
  this.timeout(120000);

  it('the leak search finds a secret in every form it could leak in, and nothing else', function () {
    // Characters that URL- and base64-encoding change, so each form is searched on its own.
    const secret = { what: 'test secret', value: `${newSecret()}/+=` };
    const other = { what: 'absent', value: newSecret() };
    for (const form of [
      secret.value,
      encodeURIComponent(secret.value),
      Buffer.from(secret.value).toString('base64'),
      Buffer.from(secret.value).toString('base64url'),
    ]) {
      expect(leakedSecrets(`{"message":"x ${form} y"}`, [secret, other])).to.deep.equal([secret]);
    }
    expect(leakedSecrets(`{"message":"${secret.value.slice(0, -1)}"}`, [secret])).to.deep.equal([]);
  });

  it('shows the scenario with no collector: identities, events, alerts, zero leaked secrets', async function () {
    const summary = summaryOf(await demo(['--json']));
    expect(summary.mode).to.equal('local');
    expect(summary.requests).to.equal(44);
    expectScenarioOutcomes(summary);
  });

  it('prints the audit stream as NDJSON when stdout is a pipe, with nothing shaped like a sent secret', async function () {
    const stdout = await demo([]);
    const records = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.filter((record) => record[NDJSON_FIELDS.event] === 'apitrail.api_request')).to.have.length(44);
    // Independent of the demo's own search: every secret the scenario generates has one of these shapes.
    const shapes = [/sk_[A-Za-z0-9_-]{32}/, /ghp_[A-Za-z0-9]{36}/, /AKIA[A-Z2-7]{16}/, /pk_demo\.[0-9a-f]{32}/];
    const streamText = records.map((record) => JSON.stringify(record)).join('\n');
    for (const shape of shapes) expect(streamText).not.to.match(shape);
    expect(stdout).to.include("found in apitrail's output (raw, URL-encoded, base64): 0");
    expect(stdout).to.include('APITRAIL_TRUSTED_PROXIES=127.0.0.1/32');
  });

  it('honours APITRAIL_LOG_FORMAT for the stream, and refuses a bad value naming the variable', async function () {
    const human = await demo([], { APITRAIL_LOG_FORMAT: 'human_readable' });
    expect(human).to.match(/^\S+Z INFO +api +API Request: GET \/api\/v1\/scans \[API Key: CI pipeline\]/m);
    expect(human.split('\n').filter((line) => line.startsWith('{'))).to.have.length(0);
    const refused = await demo([], { APITRAIL_LOG_FORMAT: 'xml' }).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(refused?.code).to.equal(78);
    expect(refused?.stderr).to.include('APITRAIL_LOG_FORMAT');
  });

  it('--collector: the same scenario through the agent and gateway, every sink filled', async function () {
    await requireCollector(this);
    const summary = summaryOf(await demo(['--collector', '--json']));
    expect(summary.mode).to.equal('collector');
    expectScenarioOutcomes(summary);
    const sinks = summary.sinks!;
    expect(sinks.complete).to.equal(true);
    expect(sinks.archive).to.deep.equal({ logRecords: summary.records, auditRecords: 44, spans: 44 });
    const securityEvents = {
      authn_login_fail: 12,
      authz_fail: 4,
      authn_login_fail_max: 1,
      'apitrail.key_multiple_source_ips': 1,
      'apitrail.tenant_mismatch_streak': 2,
      'apitrail.credential_stuffing': 1,
      'apitrail.key_new_country': 1,
      'apitrail.key_new_asn': 1,
      authn_impossible_travel: 1,
      input_validation_fail: 1,
    };
    expect(sinks.securityEvents).to.deep.equal(securityEvents);
    // Each SIEM counted by its own field: the CEF Signature ID, HEC's event.name, ECS event.action.
    expect(sinks.siem).to.deep.equal({ syslogCef: securityEvents, splunkHec: securityEvents });
    expect(sinks.authFailures.bySourceIp).to.deep.equal({ '192.0.2.66': 12, '198.51.100.20': 4 });
    expect(sinks.authFailures.byApiKey).to.include({ 'key-dashboard': 4 });
    const unregistered = Object.entries(sinks.authFailures.byApiKey).filter(([key]) => key.startsWith('fingerprint '));
    expect(unregistered.map(([, count]) => count)).to.deep.equal(Array(12).fill(1));
  });

  it('--siem: the scenario through the agent and gateway into a real OpenSearch, every Sigma rule run on the index', async function () {
    this.timeout(300_000);
    await requireCollector(this);
    // No node on the port: the demo starts one for the run, and stops it.
    const summary = summaryOf(await demo(['--siem', '--json'], { APITRAIL_SIEM_PORT: String(await freePort()) }));
    expect(summary.mode).to.equal('siem');
    expectScenarioOutcomes(summary);
    const siem = summary.sinks as unknown as {
      complete: boolean;
      indexed: number;
      expected: number;
      rules: Record<string, number | null>;
      sample: Record<string, unknown>;
    };
    expect(siem.complete).to.equal(true);
    // A login failure as OpenSearch stores it: ECS names, the OTel ones gone.
    expect(ecsField(siem.sample, ATTR_EVENT_ACTION)).to.equal('authn_login_fail');
    expect(ecsField(siem.sample, 'source.ip')).to.equal('192.0.2.66');
    expect(ecsField(siem.sample, ATTR_CLIENT_ADDRESS), 'renamed to its ECS field').to.equal(undefined);
    // Every audit record (44), security event and detector alert the apps wrote, indexed.
    expect(siem.indexed).to.equal(siem.expected);
    // At least the 44 audit records, the 17 security events and the 4 alerts the scenario is written for.
    expect(siem.expected).to.be.at.least(44 + 17 + 4);
    expect(siem.rules).to.deep.include({
      // The leaked partner key from 8 addresses; 12 unregistered keys refused for 192.0.2.66.
      apitrail_key_multiple_source_ips: 1,
      apitrail_auth_failure_burst_by_source_ip: 1,
      apitrail_credential_stuffing: 1,
      apitrail_api_request_refused: 15,
      apitrail_api_request_unknown_key_refused: 12,
      // Not in the scenario.
      apitrail_not_found_scan: 0,
      apitrail_key_excess_volume: 0,
      apitrail_revoked_key_reuse: 0,
      // key-dashboard claiming globex 4 times: its authz_fail (tenant_mismatch) events, by key and by address.
      apitrail_tenant_mismatch_streak: 1,
      apitrail_tenant_mismatch_streak_by_source_ip: 1,
    });
  });

  it('--collector: shows one CEF message and one HEC event, each a login failure', async function () {
    await requireCollector(this);
    const stdout = await demo(['--collector']);
    const lines = stdout.split('\n');
    const sampleAfter = (heading: RegExp): string => {
      const at = lines.findIndex((line) => heading.test(line));
      expect(at, `${heading}`).to.be.greaterThan(-1);
      return lines[at + 1]!;
    };

    const syslog = sampleAfter(/^syslog, CEF .*one CEF message/);
    const header = /^<(\d+)>1 \S+ \S+ apitrail - authn_login_fail - (CEF:.*)$/.exec(syslog);
    expect(header, syslog).to.not.equal(null);
    expect(header![1], 'authpriv.warning').to.equal('84');
    const cef = parseCef(header![2]!);
    expect(cef).to.include({ vendor: 'apitrail', signatureId: 'authn_login_fail', severity: '6' });
    expect(cef.extensions).to.include({ src: '192.0.2.66', cn1: '401', reason: 'unknown_api_key' });

    const hec = JSON.parse(sampleAfter(/^Splunk HEC .*one HEC event/)) as {
      sourcetype: string;
      index: string;
      event: string;
      fields: Record<string, unknown>;
    };
    expect(hec).to.include({ sourcetype: 'apitrail:security', index: 'apitrail' });
    expect(hec.event).to.match(/401/);
    expect(hec.fields).to.include({ 'event.name': 'authn_login_fail', [ATTR_CLIENT_ADDRESS]: '192.0.2.66' });
    expect(Object.keys(hec.fields).filter((field) => field.startsWith('process.'))).to.deep.equal([]);

    expect(stdout).not.to.include('INCOMPLETE');
  });
});
