// Starts and stops the simulator's HTTP server.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin.js';
import { createCallHandler } from './call-handler.js';
import { DEFAULT_KV_CACHE_TOKENS, Engines } from './engine.js';
import { DEFAULT_SCHEDULE } from './schedule.js';
import type { ModelSimulator, ModelSimulatorOptions, SimCallRecord } from './types.js';
import { handleMetrics } from './vllm-metrics.js';

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new RangeError(`${name} must be a positive number`);
  return value;
}

export async function startModelSimulator(options: ModelSimulatorOptions = {}): Promise<ModelSimulator> {
  const calls: SimCallRecord[] = [];
  const engines = new Engines({
    maxRunning: positive('maxRunning', options.maxRunning, Infinity),
    kvCacheTokens: positive('kvCacheTokens', options.kvCacheTokens, DEFAULT_KV_CACHE_TOKENS),
  });
  const handleCall = createCallHandler({
    defaults: { ...DEFAULT_SCHEDULE, ...options.defaults },
    replayDir: options.replayDir,
    calls,
    engines,
  });

  const server = createServer((req, res) => {
    const { pathname, searchParams } = new URL(req.url ?? '/', 'http://simulator');
    if (handleAdmin(req, res, pathname, calls)) return;
    if (handleMetrics(req, res, pathname, () => engines.snapshot())) return;
    handleCall(req, res, pathname, searchParams).catch(() => {
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
