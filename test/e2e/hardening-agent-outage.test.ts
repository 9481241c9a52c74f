// Hardening: a 60 s gateway outage behind the agent's persistent queue (collector-config/agent.yaml)
// loses nothing. One app keeps serving a steady stream of requests under the register the whole
// time; every audit record it emitted must reach the gateway's archive once the gateway is back.
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import type { RunningApp } from '../helpers/app.ts';
import { startAppOnAgent, startGatewayAndAgent, type Gateway, type Tier } from '../helpers/apitrail-pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const OUTAGE_MS = 60_000;
const REQUEST_EVERY_MS = 250;

describe('hardening: a 60 s gateway outage behind the agent loses nothing', function () {
  // The outage itself, plus the agent's retry backoff (up to 30 s) once the gateway is back.
  this.timeout(240_000);
  let gateway: Gateway;
  let agent: Tier;
  let app: RunningApp;

  before(async function () {
    ({ gateway, agent } = await startGatewayAndAgent(this));
    app = await startAppOnAgent(agent, 'examples/node-http/server.js', { OTEL_SERVICE_NAME: 'hardening-agent' });
  });

  after(async () => {
    await app?.stop();
    await agent?.stop();
    await gateway?.stop();
  });

  async function request(id: string): Promise<void> {
    const response = await fetch(`${app.baseUrl}/api/v1/scans`, { headers: { 'x-request-id': id } });
    expect(response.status, id).to.equal(200);
    await response.arrayBuffer();
  }

  async function archivedIds(): Promise<Set<string>> {
    const records = await gateway.archivedLogs();
    return new Set(
      records
        .filter((record) => record.eventName === 'apitrail.api_request')
        .map((record) => String(record.attributes['correlation.id'])),
    );
  }

  it(`every audit record emitted during a ${OUTAGE_MS / 1000} s outage is archived after it`, async () => {
    const sent: string[] = [];
    for (let n = 0; n < 10; n++) sent.push(`agent-before-${n}`);
    for (const id of sent) await request(id);
    await waitFor('the first records in the archive', async () => {
      const archived = await archivedIds();
      return sent.every((id) => archived.has(id)) ? true : undefined;
    });

    await gateway.stop('SIGKILL');
    const outageStarted = Date.now();
    let n = 0;
    while (Date.now() - outageStarted < OUTAGE_MS) {
      const id = `agent-outage-${n++}`;
      await request(id);
      sent.push(id);
      await sleep(REQUEST_EVERY_MS);
    }
    const duringOutage = sent.filter((id) => id.startsWith('agent-outage-'));
    expect(
      [...(await archivedIds())].filter((id) => id.startsWith('agent-outage-')),
      'nothing got through',
    ).to.have.length(0);

    await gateway.start();
    for (let m = 0; m < 10; m++) {
      const id = `agent-after-${m}`;
      await request(id);
      sent.push(id);
    }
    const missing = await waitFor(
      'every record in the archive',
      async () => {
        const archived = await archivedIds();
        const lost = sent.filter((id) => !archived.has(id));
        return lost.length === 0 ? lost : undefined;
      },
      120_000,
    ).catch(async (error: Error) => {
      const archived = await archivedIds();
      return [error.message, ...sent.filter((id) => !archived.has(id))];
    });
    process.stdout.write(
      `      outage: ${OUTAGE_MS / 1000} s, records emitted: ${sent.length} (${duringOutage.length} during the outage), lost: ${missing.length}\n`,
    );
    expect(missing, 'records lost').to.deep.equal([]);
  });
});
