// The opt-in audit-record path to the SIEMs (collector-config/siem-audit-records.yaml) end to end: a
// gateway with it, a real Splunk HEC peer and a real OpenSearch node (test/helpers/opensearch.ts). Audit records reach
// both SIEMs, application logs reach neither, the local security-events file stays security events
// only, and every field the Sigma rules select on is where that SIEM's processing pipeline
// (rules/pipelines/) tells the converted query to look, with the value the record carried.
import { expect } from 'chai';
import * as core from '@apitrail/core/internal';
import { fieldMapping, TARGETS, type SigmaTarget } from '../../scripts/lib/sigma-pipelines.mjs';
import { sendLogs, startAuditSiemGateway, type Gateway } from '../helpers/apitrail-pipeline.ts';
import { requireCollector } from '../helpers/collector.ts';
import { ecsField, startTestOpenSearch, type TestOpenSearch } from '../helpers/opensearch.ts';
import type { CraftedLogRecord, ExportedLogRecord } from '../helpers/otlp-json.ts';
import { startSplunkHecPeer, type RunningHecPeer } from '../helpers/splunk-hec-peer.ts';
import { waitFor } from '../helpers/wait.ts';

const WARN = 13;
const RESOURCE = { 'service.name': 'audit-siem-e2e', 'host.name': 'api-host-2' };

/** A refused request claiming another tenant: it carries every field the Sigma rules select or group on. */
const REFUSED_AUDIT_RECORD: CraftedLogRecord = {
  eventName: core.EVENT_API_REQUEST,
  severityNumber: WARN,
  severityText: 'WARN',
  body: 'API Request: GET /api/v1/scans [API Key: ci]',
  attributes: {
    [core.ATTR_API_KEY_ID]: 'key_audit_1',
    [core.ATTR_CLIENT_ADDRESS]: '203.0.113.44',
    [core.ATTR_HTTP_RESPONSE_STATUS_CODE]: 403,
    [core.ATTR_TENANT_ID]: 'acme',
    [core.ATTR_TENANT_CLAIMED_ID]: 'globex',
    [core.ATTR_CORRELATION_ID]: 'audit-refused',
  },
};
const RECORDS: CraftedLogRecord[] = [
  REFUSED_AUDIT_RECORD,
  {
    eventName: core.EVENT_API_REQUEST,
    severityNumber: WARN,
    body: 'API Request: GET /wp-admin',
    attributes: {
      [core.ATTR_CLIENT_ADDRESS]: '198.51.100.9',
      [core.ATTR_HTTP_RESPONSE_STATUS_CODE]: 404,
      [core.ATTR_CORRELATION_ID]: 'audit-not-found',
    },
  },
  {
    eventName: core.OWASP_EVENTS.authnLoginFail,
    severityNumber: WARN,
    body: 'Authentication failed: unknown API key',
    attributes: { [core.ATTR_EVENT_CATEGORY]: 'authentication', [core.ATTR_CORRELATION_ID]: 'security-event' },
  },
  // Takes the same default route as the audit records; it must stop at the audit-records filter.
  {
    body: 'an ordinary application log line',
    severityNumber: 9,
    attributes: { [core.ATTR_CORRELATION_ID]: 'app-log' },
  },
];
const SIEM_IDS = ['audit-refused', 'audit-not-found', 'security-event'];

/** The NDJSON fields the Sigma rules in rules/ select and group on, with the refused record's values. */
const RULE_FIELDS: Record<string, string | number> = {
  [core.NDJSON_FIELDS.event]: core.EVENT_API_REQUEST,
  [core.NDJSON_FIELDS.apiKeyId]: 'key_audit_1',
  [core.NDJSON_FIELDS.sourceIp]: '203.0.113.44',
  [core.NDJSON_FIELDS.statusCode]: 403,
  [core.NDJSON_FIELDS.tenantId]: 'acme',
  tenant_claimed_id: 'globex',
};

const target = (key: SigmaTarget['key']): SigmaTarget => TARGETS.find((candidate) => candidate.key === key)!;
const correlationId = (record: ExportedLogRecord): unknown => record.attributes[core.ATTR_CORRELATION_ID];

describe('collector pipelines: siem-audit-records.yaml sends the audit records to Splunk HEC and Elasticsearch', function () {
  let hec: RunningHecPeer;
  let siem: TestOpenSearch;
  let gateway: Gateway;

  before(async function () {
    const binary = await requireCollector(this);
    hec = await startSplunkHecPeer(binary);
    siem = await startTestOpenSearch();
    gateway = await startAuditSiemGateway(binary, hec.endpoint, siem.url);
    // One export: the application log passes the routing in the same call as the audit records.
    await sendLogs(gateway.otlpHttpEndpoint, RESOURCE, { name: 'api' }, RECORDS);
  });

  after(async () => {
    await gateway?.stop();
    await Promise.all([hec?.stop(), siem?.stop()]);
  });

  it('Splunk HEC receives the audit records and the security event, not the application log', async () => {
    const events = await waitFor('the audit records at the HEC peer', async () => {
      const received = await hec.events();
      return received.length >= SIEM_IDS.length ? received : undefined;
    });
    expect(events.map(correlationId).sort()).to.deep.equal([...SIEM_IDS].sort());
    const refused = events.find((event) => correlationId(event) === 'audit-refused')!;
    expect(refused.resource['com.splunk.sourcetype']).to.equal(target('splunkHec').conditions.sourcetype);
    expect(refused.resource['com.splunk.index']).to.equal('apitrail_acme');
  });

  it("the HEC event has every field the Sigma rules use under the Splunk pipeline's name", async () => {
    const refused = (await hec.events()).find((event) => correlationId(event) === 'audit-refused')!;
    const names = fieldMapping(core, target('splunkHec'));
    for (const [field, value] of Object.entries(RULE_FIELDS)) {
      expect(String(refused.attributes[names[field]!]), `${field} → ${names[field]}`).to.equal(String(value));
    }
  });

  it("Elasticsearch receives the same records, each rule field under the ECS pipeline's name", async () => {
    const documents = await waitFor('the audit records in OpenSearch', async () => {
      const all = await siem.documents('apitrail-security');
      return all.length >= SIEM_IDS.length ? all : undefined;
    });
    const requestId = (document: Record<string, unknown>) => ecsField(document, 'http.request.id');
    expect(documents.map(requestId).sort()).to.deep.equal([...SIEM_IDS].sort());
    const refused = documents.find((document) => requestId(document) === 'audit-refused')!;
    const names = fieldMapping(core, target('ecs'));
    for (const [field, value] of Object.entries(RULE_FIELDS)) {
      expect(ecsField(refused, names[field]!), `${field} → ${names[field]}`).to.deep.equal(value);
    }
  });

  it('the archive keeps every record, and the security-events file stays security events only', async () => {
    const archived = await waitFor('every record in the archive', async () => {
      const ids = new Set((await gateway.archivedLogs()).map(correlationId));
      return [...SIEM_IDS, 'app-log'].every((id) => ids.has(id)) ? ids : undefined;
    });
    expect(archived.size).to.equal(RECORDS.length);
    const securityEvents = await waitFor('the security event in its file', async () => {
      const records = await gateway.securityEvents();
      return records.length > 0 ? records : undefined;
    });
    expect(securityEvents.map(correlationId)).to.deep.equal(['security-event']);
  });
});
