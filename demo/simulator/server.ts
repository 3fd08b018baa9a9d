// Starts and stops the simulator's HTTP server.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.js';
import { createCallHandler } from './call-handler.js';
import { DEFAULT_SCHEDULE } from './schedule.js';
import type { ModelSimulator, ModelSimulatorOptions, SimCallRecord } from './types.js';

export async function startModelSimulator(options: ModelSimulatorOptions = {}): Promise<ModelSimulator> {
  const calls: SimCallRecord[] = [];
  const handleCall = createCallHandler({
    defaults: { ...DEFAULT_SCHEDULE, ...options.defaults },
    replayDir: options.replayDir,
    calls,
  });

  const server = createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://simulator').pathname;
    if (handleAdmin(req, res, pathname, calls)) return;
    handleCall(req, res, pathname).catch(() => {
      // A client that left while its body was read, or a bug: never let one call take the server down.
      if (!res.headersSent) res.writeHead(500);
      res.destroy();
    });
  });
  server.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  await once(server, 'listening');

  const { address, port, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}`,
    port,
    calls,
    async close() {
      const closed = once(server, 'close');
      server.close();
      // Hanging and slow streams would hold close() forever: end them.
      server.closeAllConnections();
      await closed;
    },
  };
}
