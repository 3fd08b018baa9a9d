// The OTLP exporters' connections, in agents the agent owns. An export to a collector that never
// answers holds a socket open, and with it the process: once the shutdown has run out of time, the
// agent abandons these connections with an error the exporters do not retry, and refuses new ones,
// so it never keeps a service alive that was about to exit.
import type { Socket } from 'node:net';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { EXPORT_ABANDONED } from './log.js';

const agents = new Set<HttpAgent>();
let abandoned = false;

/** Not among the network error codes the OTLP exporters retry, so an abandoned export ends at once. */
function abandonedError(): Error {
  return Object.assign(new Error(`export abandoned (${EXPORT_ABANDONED}): the shutdown ran out of time`), { code: EXPORT_ABANDONED });
}

/** For the exporters' `httpAgentOptions`: keep-alive agents, as the exporters' own default makes. */
export function exportAgent(protocol: string): HttpAgent {
  const agent = protocol === 'https:' ? new HttpsAgent({ keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const connect = agent.createConnection.bind(agent) as (...args: unknown[]) => Socket;
  agent.createConnection = ((...args: unknown[]) => {
    const socket = connect(...args);
    // A retry scheduled before the abandonment still runs; it fails at once instead of connecting.
    if (abandoned) process.nextTick(() => socket.destroy(abandonedError()));
    return socket;
  }) as HttpAgent['createConnection'];
  agents.add(agent);
  return agent;
}

/** Fails every export in flight and every later one; what they carried is dropped. */
export function abandonExportConnections(): void {
  abandoned = true;
  for (const agent of agents) {
    for (const sockets of [...Object.values(agent.sockets), ...Object.values(agent.freeSockets)]) {
      for (const socket of sockets ?? []) socket.destroy(abandonedError());
    }
  }
}
