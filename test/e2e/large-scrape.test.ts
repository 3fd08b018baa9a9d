// A scrape of a thousand label sets (the cardinality guard's default limit), read by Prometheus
// itself: the real Prometheus ingests every series and exemplar of the OpenMetrics exposition, and
// promtool's linter accepts the 0.0.4 text format. The endpoint writes both in slices, letting the
// event loop go between them; how long it holds the loop is measured in bench/ (scrape mode).
import { spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrometheusEndpoint, type PrometheusEndpoint } from '../../agent/metrics/endpoint.js';
import { DEFAULT_BUCKETS } from '../../agent/metrics/buckets.js';
import { createHarness, type Harness } from '../metrics/harness.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';

const MODELS = 1000;
let endpoint: PrometheusEndpoint;
let harness: Harness;
let prometheus: PrometheusServer;
let port: number;

beforeAll(async () => {
  endpoint = createPrometheusEndpoint({ host: '127.0.0.1', port: 0 }, { warn: () => {} });
  harness = createHarness({}, endpoint);
  port = (await endpoint.listening)!;
  for (let i = 0; i < MODELS; i++) {
    harness.call({ requestModel: `model-${i}`, firstChunkS: 0.2, meanChunkS: 0.01, chunkCount: 10, inputTokens: 10, outputTokens: 10 });
  }
  prometheus = await startPrometheus([{ address: `127.0.0.1:${port}` }]);
}, 60_000);

afterAll(async () => {
  await prometheus?.stop();
  await endpoint?.close();
  await harness?.shutdown();
});

describe(`a scrape of ${MODELS} label sets`, () => {
  it('is ingested whole by the real Prometheus from OpenMetrics, exemplars included', async () => {
    await prometheus.waitFor('count(llm_requests_total)', (s) => s[0]?.value === MODELS, 30_000);
    const [buckets] = await prometheus.waitFor('count(llm_first_token_latency_seconds_bucket)', (s) => s.length === 1, 30_000);
    expect(buckets!.value).toBe(MODELS * (DEFAULT_BUCKETS.firstToken.length + 1));
    const [total] = await prometheus.query('sum(llm_requests_total)');
    expect(total!.value).toBe(MODELS);
    const exemplars = await prometheus.queryExemplars('llm_first_token_latency_seconds_bucket');
    expect(exemplars.length).toBe(MODELS);
  });

  it('passes promtool\'s linter in the 0.0.4 text format', async () => {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(text.split('\n').filter((line) => line.startsWith('llm_requests_total{'))).toHaveLength(MODELS);
    const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(lint.stdout + lint.stderr).toBe('');
    expect(lint.status).toBe(0);
  });

  it('serves a scraper that reads slowly without leaking listeners on the response', async () => {
    // Paused reads fill the socket, so the endpoint waits for drain many times over one scrape.
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const socket = connect(port, '127.0.0.1');
      socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => {
        received.push(chunk);
        socket.pause();
        setTimeout(() => socket.resume(), 1);
      });
      await new Promise((resolve, reject) => socket.on('end', resolve).on('error', reject));
      const text = Buffer.concat(received).toString('utf8');
      expect(text.split('\n').filter((line) => line.startsWith('llm_requests_total{'))).toHaveLength(MODELS);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
