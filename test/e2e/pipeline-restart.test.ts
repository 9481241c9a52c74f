// Zero loss through the agent's persistent queue: the gateway is killed (SIGKILL, a crash) while
// the app keeps sending, the agent itself is killed and restarted while the gateway is still down,
// then the gateway comes back. Every audit record must reach the archive. Delivery is at-least-once,
// so duplicates are allowed; a missing record is not.
import { expect } from 'chai';
import { sendRequests, startGatewayAndAgent, type Gateway, type Tier } from '../helpers/apitrail-pipeline.ts';
import { waitFor } from '../helpers/wait.ts';

const ids = (phase: string, count: number): string[] => Array.from({ length: count }, (_, n) => `${phase}-${n}`);

describe('collector pipelines: gateway and agent restarts lose nothing', function () {
  // The agent's retry backoff grows to 30 s while the gateway is down.
  this.timeout(180_000);
  let gateway: Gateway;
  let agent: Tier;

  before(async function () {
    ({ gateway, agent } = await startGatewayAndAgent(this));
  });

  after(async () => {
    await agent?.stop();
    await gateway?.stop();
  });

  async function archivedIds(): Promise<string[]> {
    return (await gateway.archivedLogs()).map((record) => String(record.attributes['correlation.id']));
  }

  it('delivers every record sent before, during and after a gateway crash and an agent crash', async () => {
    const before = ids('before', 40);
    await sendRequests(agent, before);
    await waitFor('the first phase in the archive', async () => {
      const archived = new Set(await archivedIds());
      return before.every((id) => archived.has(id)) ? true : undefined;
    });

    const duringOutage = ids('outage', 150);
    const stream = sendRequests(agent, duringOutage, 10);
    await waitFor('the stream to reach the archive', async () =>
      (await archivedIds()).includes(duringOutage[0]!) ? true : undefined,
    );
    await gateway.stop('SIGKILL');
    await stream;
    await agent.stop('SIGKILL');
    await agent.start();
    const afterAgentRestart = ids('agent-restarted', 20);
    await sendRequests(agent, afterAgentRestart);

    const archivedDuringOutage = new Set(await archivedIds());
    const stranded = [...duringOutage, ...afterAgentRestart].filter((id) => !archivedDuringOutage.has(id));
    expect(stranded, 'records sent after the crash wait in the agent').to.include.members(afterAgentRestart);
    expect(stranded.length, 'the gateway died mid-stream').to.be.above(afterAgentRestart.length);
    const metrics = await (await fetch(agent.metricsUrl)).text();
    const queued = /^otelcol_exporter_queue_size\{[^}]*exporter="otlphttp\/gateway"[^}]*\} (\d+)/m.exec(metrics);
    expect(Number(queued?.[1]), `the backlog shows in the agent's queue metric:\n${metrics}`).to.be.above(0);

    await gateway.start();
    const after = ids('after', 20);
    await sendRequests(agent, after);

    const expected = [...before, ...duringOutage, ...afterAgentRestart, ...after];
    const archived = await waitFor(
      'every record in the archive',
      async () => {
        const all = await archivedIds();
        const present = new Set(all);
        return expected.every((id) => present.has(id)) ? all : undefined;
      },
      90000,
    ).catch(async (error: Error) => {
      const present = new Set(await archivedIds());
      const missing = expected.filter((id) => !present.has(id));
      throw new Error(`${error.message}: ${missing.length} missing, e.g. ${missing.slice(0, 5).join(', ')}`);
    });
    const unexpected = archived.filter((id) => !expected.includes(id));
    expect(unexpected, 'only the records sent').to.deep.equal([]);
  });
});
