// Scale-out (agent-loadbalancing.yaml): one agent spreads by trace id over two gateways. Every
// record lands in exactly one gateway's archive, and the auth-failure counts are per gateway: only
// their sum over `apitrail.gateway.instance` is the true count an alert must use.
import { expect } from 'chai';
import {
  sendLogs,
  sendRequests,
  startAgent,
  startGateway,
  type Gateway,
  type Tier,
} from '../helpers/apitrail-pipeline.ts';
import { requireCollector } from '../helpers/collector.ts';
import { waitFor } from '../helpers/wait.ts';

const FAILURES = 12;

describe('collector pipelines: an agent load-balancing over two gateways', function () {
  let gateways: Gateway[];
  let agent: Tier;

  before(async function () {
    const binary = await requireCollector(this);
    gateways = [
      await startGateway(binary, [], { APITRAIL_GATEWAY_INSTANCE: 'gateway-a' }),
      await startGateway(binary, [], { APITRAIL_GATEWAY_INSTANCE: 'gateway-b' }),
    ];
    agent = await startAgent(binary, gateways);
  });

  after(async () => {
    await agent?.stop();
    for (const gateway of gateways ?? []) await gateway.stop();
  });

  it('archives every record once across the gateways, and splits the counts between them', async () => {
    const ids = Array.from({ length: 30 }, (_, n) => `lb-${n}`);
    await sendRequests(agent, ids);
    for (let n = 0; n < FAILURES; n++) {
      await sendLogs(agent.otlpHttpEndpoint, { 'service.name': 'pipeline-e2e' }, { name: 'apitrail.security' }, [
        {
          eventName: 'authn_login_fail',
          severityNumber: 13,
          body: 'Authentication failed',
          attributes: { 'api_key.id': 'key_lb', 'client.address': '192.0.2.9', 'correlation.id': `lb-fail-${n}` },
        },
      ]);
    }

    const perGateway = await waitFor('every audit record in some archive', async () => {
      const archives = await Promise.all(
        gateways.map(async (gateway) =>
          (await gateway.archivedLogs()).map((record) => String(record.attributes['correlation.id'])),
        ),
      );
      const all = new Set(archives.flat());
      return ids.every((id) => all.has(id)) ? archives : undefined;
    });
    const [a, b] = perGateway.map((archive) => archive.filter((id) => id.startsWith('lb-') && !id.includes('fail')));
    expect(a!.length, 'gateway-a took part').to.be.above(0);
    expect(b!.length, 'gateway-b took part').to.be.above(0);
    expect([...a!, ...b!].sort(), 'each record once').to.deep.equal([...ids].sort());

    const counts = await waitFor('the auth-failure counts', async () => {
      const points = (await Promise.all(gateways.map((gateway) => gateway.authFailureCounts()))).flat();
      const forKey = points.filter(
        (point) => point.metric === 'apitrail.auth.failures.by_api_key' && point.attributes['api_key.id'] === 'key_lb',
      );
      return forKey.reduce((sum, point) => sum + point.value, 0) >= FAILURES ? forKey : undefined;
    });
    const byInstance = new Map<unknown, number>();
    for (const point of counts) {
      const instance = point.resource['apitrail.gateway.instance'];
      byInstance.set(instance, (byInstance.get(instance) ?? 0) + point.value);
    }
    expect([...byInstance.values()].reduce((sum, value) => sum + value, 0)).to.equal(FAILURES);
    expect([...byInstance.keys()].every((instance) => instance === 'gateway-a' || instance === 'gateway-b')).to.equal(
      true,
    );
  });
});
