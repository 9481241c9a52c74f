// siem-splunk.yaml's per-tenant Splunk index, through a real gateway and a real HEC peer: the index
// name is the tenant id lower-cased with characters outside [a-z0-9_-] replaced, which maps many
// tenants to one name ('acme', 'Acme' and 'ACME'; 'acme corp' and 'acme.corp'), so one tenant's
// security events landed silently in another's index. A tenant id the normalisation changed (or one
// that ends like the suffix below) now gets `_` and the first 16 hex digits of the SHA-256 of the
// original id appended: distinct tenants never share an index, and a tenant id already valid as an
// index name keeps its plain name.
import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import * as core from '@apitrail/core/internal';
import { sendLogs, startGateway, type Gateway } from '../helpers/apitrail-pipeline.ts';
import { requireCollector } from '../helpers/collector.ts';
import type { CraftedLogRecord, ExportedLogRecord } from '../helpers/otlp-json.ts';
import { startSplunkHecPeer, type RunningHecPeer } from '../helpers/splunk-hec-peer.ts';
import { waitFor } from '../helpers/wait.ts';

const suffix = (tenant: string): string => createHash('sha256').update(tenant, 'utf8').digest('hex').slice(0, 16);

/** Tenant id → the index its events must land in (prefix apitrail_). */
const EXPECTED: Record<string, string> = {
  acme: 'apitrail_acme',
  Acme: `apitrail_acme_${suffix('Acme')}`,
  ACME: `apitrail_acme_${suffix('ACME')}`,
  'acme corp': `apitrail_acme_corp_${suffix('acme corp')}`,
  'acme.corp': `apitrail_acme_corp_${suffix('acme.corp')}`,
  acme_corp: 'apitrail_acme_corp',
  'acme-corp': 'apitrail_acme-corp',
  'Ünïcode tenant': `apitrail__n_code_tenant_${suffix('Ünïcode tenant')}`,
  // Valid as it is, but shaped like Acme's index: it cannot take Acme's name.
  [`acme_${suffix('Acme')}`]: `apitrail_acme_${suffix('Acme')}_${suffix(`acme_${suffix('Acme')}`)}`,
};

const correlationId = (record: ExportedLogRecord): unknown => record.attributes[core.ATTR_CORRELATION_ID];

describe('collector pipelines: siem-splunk.yaml gives distinct tenants distinct Splunk indexes', function () {
  let hec: RunningHecPeer;
  let gateway: Gateway;
  const tenants = Object.keys(EXPECTED);

  before(async function () {
    const binary = await requireCollector(this);
    hec = await startSplunkHecPeer(binary);
    gateway = await startGateway(binary, ['siem-splunk.yaml'], {
      SPLUNK_HEC_TOKEN: randomBytes(16).toString('hex'),
      SPLUNK_HEC_ENDPOINT: hec.endpoint,
    });
    const records: CraftedLogRecord[] = [...tenants, undefined].map((tenant, index) => ({
      eventName: core.OWASP_EVENTS.authnLoginFail,
      severityNumber: 13,
      body: 'Authentication failed: unknown API key',
      attributes: {
        [core.ATTR_EVENT_CATEGORY]: 'authentication',
        [core.ATTR_CORRELATION_ID]: `tenant-${index}`,
        ...(tenant === undefined ? {} : { [core.ATTR_TENANT_ID]: tenant }),
      },
    }));
    await sendLogs(gateway.otlpHttpEndpoint, { 'service.name': 'tenant-index-e2e' }, { name: 'api' }, records);
  });

  after(async () => {
    await gateway?.stop();
    await hec?.stop();
  });

  it('each tenant id has its own index; an id valid as an index name keeps its plain name', async () => {
    const events = await waitFor('the security events at the HEC peer', async () => {
      const received = await hec.events();
      return received.length > tenants.length ? received : undefined;
    });
    const indexOf = (index: number) =>
      events.find((event) => correlationId(event) === `tenant-${index}`)?.resource['com.splunk.index'];
    const actual = Object.fromEntries(tenants.map((tenant, index) => [tenant, indexOf(index)]));
    expect(actual).to.deep.equal(EXPECTED);
    expect(new Set(Object.values(actual)).size).to.equal(tenants.length);
    expect(indexOf(tenants.length), 'no tenant: SPLUNK_HEC_INDEX').to.equal('apitrail');
  });
});
