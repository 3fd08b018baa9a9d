import { createServer, type AddressInfo } from 'node:net';

/**
 * A port that was free a moment ago, for a child that must be told its port up front (the agent's
 * Prometheus endpoint takes a fixed one). Another process could take it in between; on a loopback
 * address that is unlikely enough for a demo.
 */
export async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
