// No secret in any exported byte, model call or not. The service in secrets-app.mjs puts a distinct
// key in every place services really put one; the test then searches every byte that left the
// process (each OTLP trace and metric export as received, after decompression, in both encodings),
// every line it logged and a /metrics scrape for each key.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../demo/free-port.js';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { startApp, stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

const APP = readFileSync(new URL('./secrets-app.mjs', import.meta.url), 'utf8');
const PLACES = [
  'sdkBearer', 'sdkQuery', 'httpModelQuery', 'httpModelHeader', 'geminiKey', 'geminiHeader', 'fetchAccessToken',
  'fetchToken', 'fetchAmzSignature', 'fetchAwsAccessKeyId', 'fetchClientSecret', 'fetchBearer', 'fetchApiKeyHeader',
  'httpUserinfo', 'httpApikey', 'httpPassword', 'httpSignature', 'inboundToken',
] as const;

let sim: ModelSimulator;
let upstream: Server;
let upstreamUrl: string;
let receiver: OtlpReceiver;

beforeAll(async () => {
  sim = await startModelSimulator();
  upstream = createServer((_req, res) => res.end('plain'));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  receiver = await startOtlpReceiver();
});
afterEach(async () => {
  await stopAll();
  receiver.clear();
});
afterAll(async () => {
  await receiver?.close();
  await sim?.close();
  upstream?.close();
});

/** Every place of `haystack` where one of the keys appears, as `key name: context`. */
function leaks(keys: Record<string, string>, where: string, haystack: Buffer | string): string[] {
  const bytes = Buffer.isBuffer(haystack) ? haystack : Buffer.from(haystack);
  return Object.entries(keys)
    .filter(([, key]) => bytes.includes(key))
    .map(([name, key]) => {
      const at = bytes.indexOf(key);
      return `${name} in ${where}: …${bytes.subarray(Math.max(0, at - 60), at + key.length + 20).toString('latin1')}…`;
    });
}

describe.each(['http/protobuf', 'http/json'])('no key in any exported byte (OTLP %s)', (protocol) => {
  it('searches every trace and metric export, every log line and /metrics', async () => {
    const keys = Object.fromEntries(PLACES.map((place) => [place, `secret${place}${randomBytes(6).toString('hex')}`]));
    const metricsPort = await freePort('127.0.0.1');
    const app = await startApp({
      script: APP,
      ext: 'mjs',
      env: {
        KEYS: JSON.stringify(keys),
        SIM_URL: sim.url,
        UPSTREAM_URL: upstreamUrl,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_METRICS_EXPORTER: 'otlp,prometheus',
        OTEL_METRIC_EXPORT_INTERVAL: '200',
        OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
        OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
        OTEL_BSP_SCHEDULE_DELAY: '100',
        // Debug logging prints the most the agent and the SDK ever write.
        OTEL_LOG_LEVEL: 'debug',
        LLM_OTEL_GPU_INTERVAL: '0',
      },
    });
    const port = await app.waitForPort();
    const response = await fetch(`http://127.0.0.1:${port}/work?token=${keys.inboundToken}&lang=en`);
    expect(await response.text()).toBe('done');

    // Every call made a span: the inbound one, three model calls (two chat, Gemini's generate_content) and two plain calls.
    const spans = await receiver.waitForSpans(
      (s) => s.length >= 6 && s.filter((x) => x.name.startsWith('chat ')).length === 2 && s.some((x) => x.name.startsWith('generate_content ')),
    );
    const scrape = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    await receiver.waitForMetrics((m) => m.length >= 2);
    await app.stop();

    // The searches must be able to find something: the harmless parameters survived, keys did not.
    const urls = spans.map((s) => s.attributes['url.full'] ?? s.attributes['url.query']).filter(Boolean).join('\n');
    expect(urls).toContain('page=2');
    expect(urls).toMatch(/REDACTED/);
    const found = [
      ...receiver.requests.flatMap((request, i) => leaks(keys, `export ${i} ${request.path}`, request.body)),
      ...leaks(keys, 'stdout', app.stdout),
      ...leaks(keys, 'stderr', app.stderr),
      ...leaks(keys, '/metrics', scrape),
    ];
    expect(found).toEqual([]);
    expect(receiver.requests.map((r) => r.encoding)).toContain(protocol === 'http/json' ? 'json' : 'protobuf');
  });
});
