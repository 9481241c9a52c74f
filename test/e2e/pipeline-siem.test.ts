// collector-config/ end to end with real peers: the example APIs under the register (node:http for
// audit records; Express, whose 401/403 responses apitrail turns into OWASP events) → agent
// collector (agent.yaml + redaction.yaml) → gateway collector (gateway.yaml + every siem-*.yaml) →
// the compressed NDJSON archive, a real rsyslog receiving CEF over RFC 5424, a real Splunk HEC
// server (the collector's splunk_hec receiver), and a real OpenSearch node. Security events
// are also crafted by hand and sent over OTLP like an SDK would, with values chosen to break CEF
// escaping and to spoof Splunk routing.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { leakForms, newKey, newSecret, writeKeysFile } from '../helpers/identity-keys.ts';
import {
  sendLogs,
  sendRequests,
  startAgent,
  startAppOnAgent,
  startGateway,
  type Gateway,
  type Tier,
} from '../helpers/apitrail-pipeline.ts';
import { parseCef } from '../helpers/cef.ts';
import { requireCollector } from '../helpers/collector.ts';
import { ecsField, startTestOpenSearch, type TestOpenSearch } from '../helpers/opensearch.ts';
import type { CraftedLogRecord, ExportedLogRecord } from '../helpers/otlp-json.ts';
import { startRsyslog, type RunningRsyslog } from '../helpers/rsyslog.ts';
import { startSplunkHecPeer, type RunningHecPeer } from '../helpers/splunk-hec-peer.ts';
import { waitFor } from '../helpers/wait.ts';

const WARN = 13;
const ERROR = 17;
const RESOURCE = { 'service.name': 'pipeline-e2e', 'host.name': 'api-host-1' };
const SECURITY_SCOPE = { name: 'apitrail.security', version: '0.1.0' };

/** Values that break naive CEF: every character the spec escapes, plus a forged extension. */
const HOSTILE_USER_AGENT = 'curl/8 | a\\b = c act=forged src=6.6.6.6\r\nCEF:0|x|y|1|2|3|10|';
const HOSTILE_BODY = 'Input rejected | field=\\x\nsecond line';
const HOSTILE_KEY_NAME = 'ops=key|with\\backslash';

const loginFailure = (n: number): CraftedLogRecord => ({
  eventName: 'authn_login_fail',
  severityNumber: WARN,
  severityText: 'WARN',
  body: 'Authentication failed: unknown API key',
  attributes: {
    'api_key.id': 'key_acme_1',
    'api_key.name': 'acme-ci',
    'tenant.id': 'acme',
    'client.address': '203.0.113.7',
    // As @apitrail/enrich adds them in the app (documentation AS number).
    'apitrail.client.as.number': 64496,
    'apitrail.client.as.organization.name': 'Example Transit',
    'geo.country.iso_code': 'NZ',
    'user_agent.original': 'ProwlerClient/1.0',
    'http.request.method': 'GET',
    'url.path': '/api/v1/scans',
    'http.response.status_code': 401,
    'http.server.request.duration': 0.25,
    'event.category': 'authentication',
    'event.type': 'start',
    'event.outcome': 'failure',
    'correlation.id': `sec-login-${n}`,
  },
});

const SECURITY_EVENTS: CraftedLogRecord[] = [
  loginFailure(1),
  loginFailure(2),
  loginFailure(3),
  {
    eventName: 'authz_fail',
    severityNumber: ERROR,
    severityText: 'ERROR',
    body: 'Tenant mismatch',
    attributes: {
      'api_key.id': 'key_globex_1',
      'tenant.id': 'Globex Corp',
      'tenant.claimed_id': 'acme',
      'client.address': '2001:db8::1',
      'event.category': 'iam',
      'event.outcome': 'failure',
      'event.reason': 'tenant_mismatch',
      'correlation.id': 'sec-authz-1',
    },
  },
  {
    eventName: 'input_validation_fail',
    severityNumber: WARN,
    severityText: 'WARN',
    body: HOSTILE_BODY,
    attributes: {
      'api_key.id': 'key_acme_2',
      'api_key.name': HOSTILE_KEY_NAME,
      'tenant.id': 'acme',
      'client.address': '198.51.100.23',
      'user_agent.original': HOSTILE_USER_AGENT,
      'correlation.id': 'sec-hostile-1',
      // A sender trying to pick the Splunk index and to inject syslog fields.
      'com.splunk.index': 'main',
      message: 'forged syslog message',
      priority: 0,
    },
  },
];
/**
 * Header values over CEF's maximum lengths (Device Version 31, Signature ID 1023, Name 512), made of
 * characters the header escapes, so that each limit falls between a backslash and the character it
 * escapes; the name's `é` is one character and two UTF-8 bytes. Sent under their own scope version.
 */
const LONG_SCOPE = { name: 'apitrail.security', version: `ab${'|'.repeat(40)}` };
const LONG_EVENT: CraftedLogRecord = {
  eventName: `authn_${'|'.repeat(700)}`,
  severityNumber: WARN,
  severityText: 'WARN',
  body: 'é|'.repeat(300),
  attributes: { 'event.category': 'authentication', 'tenant.id': 'acme', 'correlation.id': 'sec-long-1' },
};
const CRAFTED_IDS = [...SECURITY_EVENTS, LONG_EVENT].map((event) => event.attributes!['correlation.id'] as string);
/** Requests to the Express example whose responses apitrail itself turns into OWASP events. */
const APP_SECURITY_IDS = ['app-wrong-key', 'app-other-tenant'];
const SECURITY_IDS = [...CRAFTED_IDS, ...APP_SECURITY_IDS];
const AUDIT_IDS = ['pipe-audit-1', 'pipe-audit-2', 'pipe-audit-3', 'app-ok'];

const correlationId = (record: ExportedLogRecord): unknown => record.attributes['correlation.id'];

describe('collector pipelines: app → agent → gateway → archive, syslog/CEF, Splunk HEC, Elasticsearch', function () {
  const hecToken = randomBytes(16).toString('hex');
  const esUser = `apitrail-${randomBytes(4).toString('hex')}`;
  const esPassword = randomBytes(18).toString('base64url');
  const key = newKey('key_acme_app', 'acme app', 'acme');
  const wrongSecret = newSecret();
  let rsyslog: RunningRsyslog;
  let hec: RunningHecPeer;
  let siem: TestOpenSearch;
  let gateway: Gateway;
  let agent: Tier;

  before(async function () {
    const binary = await requireCollector(this);
    rsyslog = await startRsyslog();
    hec = await startSplunkHecPeer(binary);
    siem = await startTestOpenSearch();
    gateway = await startGateway(binary, ['siem-splunk.yaml', 'siem-elasticsearch.yaml', 'siem-cef-syslog.yaml'], {
      SPLUNK_HEC_TOKEN: hecToken,
      SPLUNK_HEC_ENDPOINT: hec.endpoint,
      ELASTICSEARCH_ENDPOINT: siem.url,
      ELASTICSEARCH_USERNAME: esUser,
      ELASTICSEARCH_PASSWORD: esPassword,
      APITRAIL_SYSLOG_HOST: '127.0.0.1',
      APITRAIL_SYSLOG_PORT: String(rsyslog.port),
      APITRAIL_SYSLOG_TLS_INSECURE: 'true',
    });
    agent = await startAgent(binary, gateway);

    await sendRequests(
      agent,
      AUDIT_IDS.filter((id) => id.startsWith('pipe-')),
    );

    const express = await startAppOnAgent(agent, 'examples/express/server.js', {
      EXAMPLE_API_KEYS_FILE: writeKeysFile([key]),
    });
    const call = async (id: string, path: string, secret: string): Promise<number> => {
      const response = await fetch(`${express.baseUrl}${path}`, {
        headers: { 'x-request-id': id, 'x-api-key': secret },
      });
      await response.arrayBuffer();
      return response.status;
    };
    expect(await call('app-ok', '/api/v1/scans', key.secret)).to.equal(200);
    expect(await call('app-wrong-key', '/api/v1/scans', wrongSecret)).to.equal(401);
    expect(await call('app-other-tenant', '/api/v1/tenants/globex/scans', key.secret)).to.equal(403);
    await express.stop();

    await sendLogs(agent.otlpHttpEndpoint, RESOURCE, SECURITY_SCOPE, SECURITY_EVENTS);
    await sendLogs(agent.otlpHttpEndpoint, RESOURCE, LONG_SCOPE, [LONG_EVENT]);
    await sendLogs(agent.otlpHttpEndpoint, RESOURCE, { name: 'app' }, [
      { body: 'an ordinary application log line', severityNumber: 9, attributes: { 'correlation.id': 'plain-1' } },
    ]);
  });

  after(async () => {
    await agent?.stop();
    await gateway?.stop();
    await Promise.all([hec?.stop(), siem?.stop(), rsyslog?.stop()]);
  });

  it('archives every record, audit and security alike, zstd-compressed', async () => {
    const expected = [...AUDIT_IDS, ...SECURITY_IDS, 'plain-1'];
    const archived = await waitFor('every record in the archive', async () => {
      const records = await gateway.archivedLogs();
      const ids = new Set(records.map(correlationId));
      return expected.every((id) => ids.has(id)) ? records : undefined;
    });
    const audit = archived.find((record) => correlationId(record) === 'pipe-audit-1')!;
    expect(audit.eventName).to.equal('apitrail.api_request');
    expect(audit.resource['service.name']).to.equal('pipeline-e2e');
    expect(audit.attributes).to.include({ 'url.path': '/api/v1/scans', 'http.response.status_code': 200 });
    const raw = await readFile(join(gateway.archiveDir, 'logs.otlp.jsonl'));
    expect(raw.readUInt32LE(4), 'length-prefixed zstd frames').to.equal(0xfd2fb528);
  });

  it('routes only security events to the security stream', async () => {
    const events = await waitFor('the security events file', async () => {
      const records = await gateway.securityEvents();
      return records.length >= SECURITY_IDS.length ? records : undefined;
    });
    expect(events.map(correlationId).sort()).to.deep.equal([...SECURITY_IDS].sort());
  });

  it('delivers each security event to rsyslog as RFC 5424 with a correctly escaped CEF message', async () => {
    const messages = await waitFor('CEF messages at rsyslog', async () => {
      const received = await rsyslog.messages();
      return received.length >= SECURITY_IDS.length ? received : undefined;
    });
    expect(messages).to.have.length(SECURITY_IDS.length);
    const parsed = messages.map((line) => {
      const match = /^<(\d+)>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-) (CEF:.*)$/.exec(line);
      expect(match, `RFC 5424 syslog line: ${line}`).to.not.equal(null);
      const [, priority, timestamp, hostname, appname, procId, msgId, , cef] = match!;
      return { priority: Number(priority), timestamp, hostname, appname, procId, msgId, cef: parseCef(cef!) };
    });
    const byId = new Map(parsed.map((message) => [message.cef.extensions.externalId, message]));
    expect([...byId.keys()].sort()).to.deep.equal([...SECURITY_IDS].sort());

    const login = byId.get('sec-login-1')!;
    expect(login).to.include({ priority: 84, hostname: 'api-host-1', appname: 'apitrail', msgId: 'authn_login_fail' });
    expect(login.cef).to.include({
      version: '0',
      vendor: 'apitrail',
      product: 'apitrail',
      deviceVersion: '0.1.0',
      signatureId: 'authn_login_fail',
      name: 'Authentication failed: unknown API key',
      severity: '6',
    });
    expect(login.cef.extensions).to.include({
      src: '203.0.113.7',
      suid: 'key_acme_1',
      suser: 'acme-ci',
      cs1Label: 'tenant',
      cs1: 'acme',
      cs2: 'pipeline-e2e',
      requestMethod: 'GET',
      request: '/api/v1/scans',
      cn1: '401',
      cat: 'authentication',
      outcome: 'failure',
    });
    expect(Number(login.cef.extensions.rt)).to.equal(Date.parse(login.timestamp!));

    const authz = byId.get('sec-authz-1')!;
    expect(authz.priority).to.equal(83);
    expect(authz.cef.severity).to.equal('8');
    expect(authz.cef.extensions).to.include({ c6a2: '2001:db8::1', cs1: 'Globex Corp', reason: 'tenant_mismatch' });
    expect(authz.cef.extensions).to.not.have.property('src');

    const hostile = byId.get('sec-hostile-1')!;
    expect(hostile.cef.name, 'line breaks in the header become spaces').to.equal(HOSTILE_BODY.replace('\n', ' '));
    expect(hostile.cef.extensions.requestClientApplication).to.equal(HOSTILE_USER_AGENT);
    expect(hostile.cef.extensions.suser).to.equal(HOSTILE_KEY_NAME);
    expect(hostile.cef.extensions, 'no forged extension').to.not.have.property('act');
    expect(hostile.cef.extensions.src).to.equal('198.51.100.23');
    expect(hostile.cef.signatureId).to.equal('input_validation_fail');
    expect(hostile.priority, 'a sender cannot set the syslog priority').to.equal(84);

    // parseCef refused any header field over its limit; each was cut at its limit, less the
    // backslash the cut would have separated from its `|`.
    const long = byId.get('sec-long-1')!;
    expect(long.cef.deviceVersion).to.equal(`ab${'|'.repeat(14)}`);
    expect(long.cef.signatureId).to.equal(`authn_${'|'.repeat(508)}`);
    expect(long.cef.name).to.equal(`${'é|'.repeat(170)}é`);
    expect(long.cef.severity).to.equal('6');
    expect(long.msgId).to.equal(`authn_${'|'.repeat(26)}`);
  });

  it('delivers security events to Splunk HEC with the sourcetype, a per-tenant index and the token from env', async () => {
    const events = await waitFor('events at the HEC peer', async () => {
      const received = await hec.events();
      return received.length >= SECURITY_IDS.length ? received : undefined;
    });
    expect(events).to.have.length(SECURITY_IDS.length);
    for (const event of events) {
      expect(event.resource['com.splunk.sourcetype']).to.equal('apitrail:security');
      expect(event.resource['com.splunk.source']).to.equal('apitrail');
      expect(event.resource['com.splunk.hec.access_token']).to.equal(hecToken);
    }
    const indexOf = (id: string) => events.find((event) => correlationId(event) === id)?.resource['com.splunk.index'];
    expect(indexOf('sec-login-1')).to.equal('apitrail_acme');
    // 'Globex Corp' is no index name as it is: the normalised name and a hash of the id (pipeline-splunk-tenant-index).
    expect(indexOf('sec-authz-1')).to.equal('apitrail_globex_corp_8c953d98469f010c');
    expect(indexOf('sec-hostile-1'), 'the sender cannot pick the index').to.equal('apitrail_acme');
    const login = events.find((event) => correlationId(event) === 'sec-login-1')!;
    expect(login.body).to.equal('Authentication failed: unknown API key');
    expect(login.attributes).to.include({ 'event.name': 'authn_login_fail', 'api_key.id': 'key_acme_1' });
  });

  it('indexes security events into OpenSearch (the Elasticsearch API) with ECS field names', async () => {
    const documents = await waitFor('the security events in OpenSearch', async () => {
      const indexed = await siem.documents('apitrail-security');
      return indexed.length >= SECURITY_IDS.length ? indexed : undefined;
    });
    // Exactly the security events, into siem-elasticsearch.yaml's default index: none twice, none else.
    expect(documents.map((document) => ecsField(document, 'http.request.id')).sort()).to.deep.equal(
      [...SECURITY_IDS].sort(),
    );
    const login = documents.find((document) => ecsField(document, 'http.request.id') === 'sec-login-1')!;
    expect(login, 'the login failure document').to.not.equal(undefined);
    const expected: Record<string, unknown> = {
      'organization.id': 'acme',
      'source.ip': '203.0.113.7',
      'source.as.number': 64496,
      'source.as.organization.name': 'Example Transit',
      'source.geo.country_iso_code': 'NZ',
      'user_agent.original': 'ProwlerClient/1.0',
      'event.action': 'authn_login_fail',
      'event.category': 'authentication',
      'event.outcome': 'failure',
      'event.duration': 250_000_000,
      'apitrail.api_key.id': 'key_acme_1',
      'apitrail.api_key.name': 'acme-ci',
      'http.request.method': 'GET',
      'http.response.status_code': 401,
      'url.path': '/api/v1/scans',
      'service.name': 'pipeline-e2e',
      'log.level': 'WARN',
      'log.logger': 'apitrail.security',
      message: 'Authentication failed: unknown API key',
    };
    for (const [field, value] of Object.entries(expected)) {
      expect(ecsField(login, field), field).to.deep.equal(value);
    }
    expect(Number.isNaN(Date.parse(login['@timestamp'] as string)), '@timestamp is a date').to.equal(false);
    for (const otelName of ['tenant.id', 'client.address', 'correlation.id', 'http.server.request.duration']) {
      expect(ecsField(login, otelName), `${otelName} was renamed`).to.equal(undefined);
    }
    const authz = documents.find((document) => ecsField(document, 'http.request.id') === 'sec-authz-1')!;
    expect(ecsField(authz, 'apitrail.tenant.claimed_id')).to.equal('acme');
    expect(ecsField(authz, 'event.reason')).to.equal('tenant_mismatch');
  });

  it('counts authentication failures per API key and per source IP, and requests per API key', async () => {
    const total = (
      points: Awaited<ReturnType<Gateway['authFailureCounts']>>,
      metric: string,
      key: string,
      value: string,
    ) =>
      points
        .filter((point) => point.metric === metric && point.attributes[key] === value)
        .reduce((sum, point) => sum + point.value, 0);
    const points = await waitFor('auth failure counts', async () => {
      const all = await gateway.authFailureCounts();
      return total(all, 'apitrail.auth.failures.by_source_ip', 'client.address', '2001:db8::1') >= 1 &&
        total(all, 'apitrail.auth.failures.by_api_key', 'api_key.id', 'key_acme_1') >= 3 &&
        total(all, 'apitrail.requests.by_api_key', 'api_key.id', 'key_acme_app') >= 2
        ? all
        : undefined;
    });
    expect(total(points, 'apitrail.auth.failures.by_api_key', 'api_key.id', 'key_acme_1')).to.equal(3);
    expect(total(points, 'apitrail.auth.failures.by_source_ip', 'client.address', '203.0.113.7')).to.equal(3);
    expect(total(points, 'apitrail.auth.failures.by_source_ip', 'client.address', '2001:db8::1')).to.equal(1);
    expect(
      total(points, 'apitrail.auth.failures.by_api_key', 'api_key.id', 'key_acme_2'),
      'not an auth failure',
    ).to.equal(0);
    expect(
      total(points, 'apitrail.requests.by_api_key', 'api_key.id', 'key_acme_app'),
      'app-ok + app-other-tenant',
    ).to.equal(2);
    expect(
      total(points, 'apitrail.requests.by_api_key', 'api_key.id', 'key_acme_1'),
      'events are not requests',
    ).to.equal(0);
    expect(points.every((point) => point.resource['apitrail.gateway.instance'] === 'gateway-0')).to.equal(true);
  });

  it("carries the app's own security events to every SIEM, and no sink ever sees an API key secret", async () => {
    const syslog = await rsyslog.messages();
    const cefFor = (id: string) =>
      syslog.map((line) => parseCef(line.slice(line.indexOf('CEF:')))).find((cef) => cef.extensions.externalId === id);
    expect(cefFor('app-wrong-key')).to.include({ signatureId: 'authn_login_fail', severity: '6' });
    expect(cefFor('app-wrong-key')!.extensions).to.include({ src: '127.0.0.1', cs2: 'pipeline-e2e', cn1: '401' });
    expect(cefFor('app-other-tenant')).to.include({ signatureId: 'authz_fail' });
    expect(cefFor('app-other-tenant')!.extensions).to.include({ suid: 'key_acme_app', cs1: 'acme', cn1: '403' });

    const hecEvents = await hec.events();
    const hecFor = (id: string) => hecEvents.find((event) => correlationId(event) === id);
    expect(hecFor('app-other-tenant')?.resource['com.splunk.index']).to.equal('apitrail_acme');
    expect(hecFor('app-wrong-key')?.attributes['event.name']).to.equal('authn_login_fail');

    const documents = await siem.documents('apitrail-security');
    const esFor = (id: string) => documents.find((document) => ecsField(document, 'http.request.id') === id)!;
    expect(ecsField(esFor('app-wrong-key'), 'event.action')).to.equal('authn_login_fail');
    expect(ecsField(esFor('app-wrong-key'), 'event.category')).to.equal('authentication');
    expect(ecsField(esFor('app-other-tenant'), 'organization.id')).to.equal('acme');

    const everything = [
      ...syslog,
      JSON.stringify(hecEvents),
      JSON.stringify(documents),
      JSON.stringify(await gateway.archivedLogs()),
      JSON.stringify(await gateway.securityEvents()),
    ].join('\n');
    expect(everything).to.include('app-wrong-key');
    for (const secret of [key.secret, wrongSecret]) {
      for (const form of leakForms(secret)) expect(everything, 'a key secret reached a sink').to.not.include(form);
    }
  });
});
