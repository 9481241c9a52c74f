import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Duplex } from 'node:stream';

/**
 * Agents whose sockets never keep the process alive. An export in flight to a collector that is
 * stalled would otherwise hold an ending process until the OTLP timeout (10 s by default), past
 * APITRAIL_SHUTDOWN_TIMEOUT_MS: the shutdown hook holds the process for its bound with a timer of
 * its own, and what is not exported by then waits in the spool. Node refs a keep-alive socket
 * again when it reuses it, so both paths unref it.
 */
function unrefSockets<T extends HttpAgent>(agent: T): T {
  const create = agent.createConnection.bind(agent) as (...args: unknown[]) => Duplex | null | undefined;
  const reuse = agent.reuseSocket.bind(agent);
  Object.assign(agent, {
    createConnection: (...args: unknown[]) => {
      const socket = create(...args) as (Duplex & { unref?: () => void }) | null | undefined;
      socket?.unref?.();
      return socket;
    },
    reuseSocket: (
      socket: Parameters<HttpAgent['reuseSocket']>[0],
      request: Parameters<HttpAgent['reuseSocket']>[1],
    ) => {
      reuse(socket, request);
      (socket as Duplex & { unref?: () => void }).unref?.();
    },
  });
  return agent;
}

/** The OTLP exporters' `httpAgentOptions` factory: keep-alive agents with unref'd sockets. */
export function unrefAgentFactory(protocol: string): HttpAgent {
  return unrefSockets(protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true }));
}
