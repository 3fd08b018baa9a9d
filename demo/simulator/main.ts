#!/usr/bin/env node
// CLI: node dist/demo/simulator/main.js --port 8080 [--host H --first-chunk-ms N --interval-ms N --chunks N
//        --replay-dir DIR --max-running N --kv-cache-tokens N]
import { parseArgs } from 'node:util';
import { startModelSimulator } from './server.js';

const { values } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '0' },
    'first-chunk-ms': { type: 'string' },
    'interval-ms': { type: 'string' },
    chunks: { type: 'string' },
    'replay-dir': { type: 'string' },
    'max-running': { type: 'string' },
    'kv-cache-tokens': { type: 'string' },
  },
});

function optionalInt(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

const defaults = {
  firstChunkMs: optionalInt('first-chunk-ms', values['first-chunk-ms']),
  intervalMs: optionalInt('interval-ms', values['interval-ms']),
  chunks: optionalInt('chunks', values.chunks),
};
const simulator = await startModelSimulator({
  host: values.host,
  port: optionalInt('port', values.port),
  replayDir: values['replay-dir'],
  maxRunning: optionalInt('max-running', values['max-running']),
  kvCacheTokens: optionalInt('kv-cache-tokens', values['kv-cache-tokens']),
  defaults: Object.fromEntries(Object.entries(defaults).filter(([, value]) => value !== undefined)),
});
console.log(simulator.url);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    simulator.close().then(() => process.exit(0), () => process.exit(1));
  });
}
