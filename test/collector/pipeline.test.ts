// The pipeline users run, end to end on loopback: a service under `node --import llm-otel-agent`
// calls the model simulator through the real openai SDK; its traces go through a tee (the tests' OTLP
// receiver, which records everything the agent sent and passes it on unchanged) to the real collector
// running otel-collector.yaml as shipped (only addresses, decision_wait and the span-metrics flush
// moved through its ${env:...} variables); the collector's sampled traces reach a trace store (the
// tests' OTLP receiver standing in for Tempo, which cannot run here); a real Prometheus scrapes the
// agent's /metrics and the collector's Prometheus exporter.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../demo/free-port.js';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { startApp, stopAll, type ChildApp } from '../helpers/child-app.js';
import { startCollector, stopAllCollectors, type RunningCollector } from '../helpers/collector.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startPrometheus, type PrometheusServer, type VectorSample } from '../helpers/prometheus.js';

const APP = readFileSync(new URL('./load-app.mjs', import.meta.url), 'utf8');
const CALLS = 400;
const ERROR_EVERY = 10;
const SHARE = 0.1;
const ERROR = 2;
const PLAIN_SPANS = 60;

let sim: ModelSimulator;
let store: OtlpReceiver;
let tee: OtlpReceiver;
let collector: RunningCollector;
let prometheus: PrometheusServer;
let app: ChildApp;

/** trace id → its spans. */
function byTrace(spans: readonly ReceivedSpan[]): Map<string, ReceivedSpan[]> {
  const traces = new Map<string, ReceivedSpan[]>();
  for (const span of spans) traces.set(span.traceId, [...(traces.get(span.traceId) ?? []), span]);
  return traces;
}

/** A plain OTLP/JSON service, not our agent: one SERVER span per trace. */
async function sendPlainService(url: string, count: number): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId: randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    name: 'GET /plain',
    kind: 2,
    startTimeUnixNano: String(now - 20_000_000n - BigInt(i)),
    endTimeUnixNano: String(now - BigInt(i)),
    status: {},
  }));
  const body = {
    resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'plain-service' } }] }, scopeSpans: [{ scope: { name: 'plain' }, spans }] }],
  };
  const response = await fetch(`${url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

const withoutTargetLabels = ({ metric }: VectorSample) => {
  const { job: _job, instance: _instance, exported_job: _ej, exported_instance: _ei, ...labels } = metric;
  return JSON.stringify(Object.entries(labels).sort());
};

beforeAll(async () => {
  sim = await startModelSimulator();
  store = await startOtlpReceiver();
  collector = await startCollector({
    configs: ['otel-collector.yaml'],
    env: { TRACES_STORE_ENDPOINT: store.url, TAIL_SAMPLING_DECISION_WAIT: '2s', SPAN_METRICS_FLUSH_INTERVAL: '1s' },
  });
  tee = await startOtlpReceiver({ forwardTo: collector.otlpHttpUrl });
  const metricsPort = await freePort('127.0.0.1');
  prometheus = await startPrometheus([{ address: `127.0.0.1:${metricsPort}` }, { address: collector.prometheusExporter }]);
  app = await startApp({
    script: APP,
    ext: 'mjs',
    env: {
      SIM_URL: sim.url,
      CALLS: String(CALLS),
      ERROR_EVERY: String(ERROR_EVERY),
      PACE_MS: '10',
      OTEL_SERVICE_NAME: 'pipeline-app',
      OTEL_EXPORTER_OTLP_ENDPOINT: tee.url,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_METRICS_EXPORTER: 'prometheus,otlp',
      OTEL_METRIC_EXPORT_INTERVAL: '1000',
      OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1',
      OTEL_EXPORTER_PROMETHEUS_PORT: String(metricsPort),
      LLM_OTEL_GPU_INTERVAL: '0',
    },
  });
  await app.waitForLine(/^DONE$/, 60_000);
  await sendPlainService(collector.otlpHttpUrl, PLAIN_SPANS);
  // Every model-call span reached the collector through the tee; decisions come decision_wait later.
  await tee.waitForSpans((spans) => spans.filter((s) => s.name.startsWith('chat ')).length === CALLS, 15_000);
  await new Promise((resolve) => setTimeout(resolve, 2000 + 5000 + 2000)); // decision_wait, batch timeout, margin
}, 120_000);

afterAll(async () => {
  await stopAll();
  await stopAllCollectors();
  await prometheus?.stop();
  await tee?.close();
  await store?.close();
  await sim?.close();
});

describe('tail sampling in the real collector, otel-collector.yaml as shipped', () => {
  it('keeps every trace an exemplar in Prometheus points to: none dangles', async () => {
    const series = await prometheus.queryExemplars('{__name__=~"llm_.+", job="target-0"}');
    const exemplarTraces = new Set(series.flatMap((s) => s.exemplars.map((e) => e.labels.trace_id!)));
    expect(exemplarTraces.size).toBeGreaterThan(5);
    const stored = new Set(store.spans.map((s) => s.traceId));
    expect([...exemplarTraces].filter((id) => !stored.has(id))).toEqual([]);
  });

  it('keeps every trace with an error', () => {
    const sent = byTrace(tee.spans);
    const errorTraces = [...sent].filter(([, spans]) => spans.some((s) => s.status.code === ERROR)).map(([id]) => id);
    expect(errorTraces.length).toBe(CALLS / ERROR_EVERY);
    const stored = new Set(store.spans.map((s) => s.traceId));
    expect(errorTraces.filter((id) => !stored.has(id))).toEqual([]);
  });

  it('keeps about 10 % of the rest, and every kept trace whole', () => {
    const sent = byTrace(tee.spans.filter((s) => s.resource['service.name'] === 'pipeline-app'));
    const stored = byTrace(store.spans);
    const rest = [...sent].filter(([, spans]) => spans.every((s) => s.status.code !== ERROR && s.attributes['llm.exemplar'] !== true));
    const kept = rest.filter(([id]) => stored.has(id)).length;
    // Binomial(n, 0.1): five standard deviations either side fails by chance about once in 3.5 million runs.
    const n = rest.length;
    const sd = Math.sqrt(n * SHARE * (1 - SHARE));
    expect(n).toBeGreaterThan(200);
    expect(kept).toBeGreaterThan(n * SHARE - 5 * sd);
    expect(kept).toBeLessThan(n * SHARE + 5 * sd);
    console.log(`tail sampling: kept ${kept} of ${n} traces with neither error nor exemplar (${((100 * kept) / n).toFixed(1)} %)`);
    for (const [id, spans] of stored) if (sent.has(id)) expect(spans.length).toBe(sent.get(id)!.length);
  });
});

describe('metrics through the collector', () => {
  it('OTLP-pushed model-call metrics come out of its Prometheus exporter with the names and labels of the direct scrape', async () => {
    const query = (job: string) => prometheus.query(`{__name__=~"llm_(requests|errors)_total", job="${job}"}`);
    const direct = await prometheus.waitFor('sum(llm_requests_total{job="target-0"})', (s) => s[0]?.value === CALLS, 20_000);
    expect(direct[0]!.value).toBe(CALLS);
    await prometheus.waitFor('sum(llm_requests_total{job="target-1"})', (s) => s[0]?.value === CALLS, 20_000);
    const [viaDirect, viaCollector] = await Promise.all([query('target-0'), query('target-1')]);
    expect(viaCollector.map(withoutTargetLabels).sort()).toEqual(viaDirect.map(withoutTargetLabels).sort());
    expect(viaCollector.every((s) => s.metric.service_name === 'pipeline-app')).toBe(true);
    // Histograms too: the same series, the same counts.
    const histogram = (job: string) => prometheus.query(`llm_generation_latency_seconds_count{job="${job}"}`);
    const [h0, h1] = await Promise.all([histogram('target-0'), histogram('target-1')]);
    expect(h1.map((s) => [withoutTargetLabels(s), s.value]).sort()).toEqual(h0.map((s) => [withoutTargetLabels(s), s.value]).sort());
  });

  it('span metrics give a plain OTLP service RED metrics counted before sampling', async () => {
    const [calls] = await prometheus.waitFor(
      'sum(traces_span_metrics_calls_total{service_name="plain-service"})',
      (s) => s[0]?.value === PLAIN_SPANS,
      20_000,
    );
    expect(calls!.value).toBe(PLAIN_SPANS);
    // Most of those traces were sampled away; every call still counted.
    const kept = store.spans.filter((s) => s.resource['service.name'] === 'plain-service').length;
    expect(kept).toBeLessThan(PLAIN_SPANS / 2);
  });
});
