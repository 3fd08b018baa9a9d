// The real Prometheus (2.42, exemplar storage on) scrapes the agent's endpoint in this process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKETS } from '../../agent/metrics/buckets.js';
import { createPrometheusEndpoint, type PrometheusEndpoint } from '../../agent/metrics/endpoint.js';
import { startPrometheus, type PrometheusServer } from '../helpers/prometheus.js';
import { createHarness, streamedCall, type Harness } from './harness.js';

const CALLS = 16;
// Away from bucket boundaries, so the expected bucket is unambiguous.
const firstChunkS = (i: number): number => 0.1225 + i * 0.005;

let endpoint: PrometheusEndpoint;
let harness: Harness;
let prometheus: PrometheusServer | undefined;
const sampledTraces = new Set<string>();
const allTraces = new Set<string>();

beforeAll(async () => {
  endpoint = createPrometheusEndpoint({ host: '127.0.0.1', port: 0 }, { warn: (message) => console.warn(message) });
  harness = createHarness({}, endpoint);
  const port = await endpoint.listening;
  for (let i = 0; i < CALLS; i++) {
    const sampled = i % 2 === 1; // the first call of each slot is unsampled: it must not become the exemplar
    const context = harness.call(streamedCall({ sampled, firstChunkS: firstChunkS(i) }));
    allTraces.add(context.traceId);
    if (sampled) sampledTraces.add(context.traceId);
  }
  prometheus = await startPrometheus([{ address: `127.0.0.1:${port}` }]);
});

afterAll(async () => {
  await prometheus?.stop();
  await harness?.shutdown();
  await endpoint?.close();
});

describe('scraped by a real Prometheus', () => {
  it('counts every call, sampled or not', async () => {
    const samples = await prometheus!.waitFor('sum(llm_requests_total)', (result) => result[0]?.value === CALLS);
    expect(samples[0]!.value).toBe(CALLS);
    const [active] = await prometheus!.query('sum(llm_active_requests)');
    expect(active!.value).toBe(0);
  });

  it('puts the first-token latency median in the bucket of the recorded median', async () => {
    await prometheus!.waitFor('sum(llm_first_token_latency_seconds_count)', (result) => result[0]?.value === CALLS);
    const values = Array.from({ length: CALLS }, (_, i) => firstChunkS(i)).sort((a, b) => a - b);
    const median = values[CALLS / 2 - 1]!;
    const boundaries = DEFAULT_BUCKETS.firstToken;
    const upper = boundaries.find((bound) => bound >= median)!;
    const lower = boundaries[boundaries.indexOf(upper) - 1]!;
    const [quantile] = await prometheus!.query('histogram_quantile(0.5, sum by (le) (llm_first_token_latency_seconds_bucket))');
    expect(quantile!.value).toBeGreaterThanOrEqual(lower);
    expect(quantile!.value).toBeLessThanOrEqual(upper);
  });

  it('stores exemplars, every one pointing at a sampled trace', async () => {
    await prometheus!.waitFor('sum(llm_requests_total)', (result) => result[0]?.value === CALLS);
    const series = [
      ...(await prometheus!.queryExemplars('llm_first_token_latency_seconds_bucket')),
      ...(await prometheus!.queryExemplars('llm_requests_total')),
    ];
    const traceIds = series.flatMap((entry) => entry.exemplars.map((exemplar) => exemplar.labels.trace_id));
    expect(traceIds.length).toBeGreaterThan(0);
    expect(series.some((entry) => entry.seriesLabels.__name__ === 'llm_requests_total')).toBe(true);
    for (const traceId of traceIds) {
      expect(allTraces.has(traceId!)).toBe(true);
      expect(sampledTraces.has(traceId!)).toBe(true);
    }
    const exported = new Set(harness.spans().map((span) => span.spanContext().traceId));
    for (const traceId of traceIds) expect(exported.has(traceId!)).toBe(true);
  });
});
