// Issue 17's acceptance, the way users run the agent: a node:cluster service under
// `node --import llm-otel-agent`, a primary that makes no model calls and three workers that make
// streamed, failing and aborted calls. The primary's /metrics, scraped by the real Prometheus, must
// count every call exactly once, with exemplars that resolve to exported spans; the application's
// own IPC must never see the agent's messages; a worker killed mid-stream leaves nothing in flight.
// And where the primary runs no agent, each worker serves its own port, OTEL_EXPORTER_PROMETHEUS_PORT
// + its worker id, and says so once.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../demo/free-port.js';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { startApp, stopAll, type ChildApp } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startPrometheus, type ExemplarSeries, type PrometheusServer } from '../helpers/prometheus.js';
import { scrapeUntil, startMetricsApp, type MetricsApp } from '../e2e/metrics-app.js';
import { sumOf } from './exposition.js';

const APP = readFileSync(new URL('./cluster-app.mjs', import.meta.url), 'utf8');
const AGENT_SCOPE = 'llm-otel-agent';
const PLAN = { workers: 3, model: 'cluster-model', perWorker: { streamed: 3, failed: 1, aborted: 1 } };
const PER_WORKER = PLAN.perWorker.streamed + PLAN.perWorker.failed + PLAN.perWorker.aborted;
const ALL_CALLS = PLAN.workers * PER_WORKER;
const JOB = 'target-0';

let sim: ModelSimulator;
let receiver: OtlpReceiver;
let prometheus: PrometheusServer;
let service: MetricsApp;
/** Every model-call span the workers exported. */
let spans: ReceivedSpan[];

const modelCallSpans = (all: readonly ReceivedSpan[]): ReceivedSpan[] => all.filter((span) => span.scope.name === AGENT_SCOPE);
const one = async (expr: string): Promise<number> => (await prometheus.query(expr))[0]?.value ?? 0;


function appEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    SIM_URL: sim.url,
    PLAN: JSON.stringify(PLAN),
    OTEL_SERVICE_NAME: 'clustered',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    LLM_OTEL_GPU_INTERVAL: '0',
    ...extra,
  };
}

beforeAll(async () => {
  sim = await startModelSimulator();
  receiver = await startOtlpReceiver();
  service = await startMetricsApp({ script: APP, ext: 'mjs', env: appEnv() }, 30_000);
  await service.app.waitForLine(/^READY$/, 30_000);
  prometheus = await startPrometheus([{ address: service.address }]);
  await prometheus.waitFor(`up{job="${JOB}"}`, (samples) => samples[0]?.value === 1);
  service.app.kill('SIGUSR2');
  await service.app.waitForLine(/^DONE$/, 30_000);
  await prometheus.waitFor(`sum(llm_requests_total{job="${JOB}"})`, (samples) => samples[0]?.value === ALL_CALLS, 20_000);
  spans = modelCallSpans(await receiver.waitForSpans((received) => modelCallSpans(received).length >= ALL_CALLS));
}, 120_000);

afterAll(async () => {
  await stopAll();
  await prometheus?.stop();
  await receiver?.close();
  await sim?.close();
});

describe('a cluster of three workers under the agent', () => {
  it('the workers made every call, and the application saw none of the agent\'s messages', () => {
    const results = service.app.stdout
      .split('\n')
      .filter((line) => line.startsWith('RESULT '))
      .flatMap((line) => JSON.parse(line.slice('RESULT '.length)) as Array<{ ok: boolean; aborted?: boolean; status?: number }>);
    expect(results).toHaveLength(ALL_CALLS);
    expect(results.filter((result) => result.aborted)).toHaveLength(PLAN.workers * PLAN.perWorker.aborted);
    expect(results.filter((result) => result.status === 500)).toHaveLength(PLAN.workers * PLAN.perWorker.failed);
    expect(service.app.stdout).toContain('FOREIGN []');
  });

  it('the primary\'s /metrics, scraped by Prometheus, counts every call once', async () => {
    const selector = `job="${JOB}",model="${PLAN.model}"`;
    expect(await one(`sum(llm_requests_total{${selector}})`)).toBe(ALL_CALLS);
    expect(await one(`sum(llm_requests_total{${selector},status="ok"})`)).toBe(PLAN.workers * PLAN.perWorker.streamed);
    expect(await one(`sum(llm_errors_total{${selector},error_type="500"})`)).toBe(PLAN.workers * PLAN.perWorker.failed);
    expect(await one(`sum(llm_errors_total{${selector},error_type="cancelled"})`)).toBe(PLAN.workers * PLAN.perWorker.aborted);
    expect(await one(`sum(llm_tokens_generated_total{${selector}})`)).toBe(PLAN.workers * PLAN.perWorker.streamed * 4);
    expect(await one(`sum(llm_active_requests{job="${JOB}"})`)).toBe(0);
  });

  it('the histograms\' _count equal the calls', async () => {
    expect(spans).toHaveLength(ALL_CALLS);
    expect(await one(`sum(llm_generation_latency_seconds_count{job="${JOB}"})`)).toBe(ALL_CALLS);
    const withFirstChunk = spans.filter((span) => span.attributes['gen_ai.response.time_to_first_chunk'] !== undefined).length;
    expect(withFirstChunk).toBeGreaterThanOrEqual(PLAN.workers * PLAN.perWorker.streamed);
    expect(await one(`sum(llm_first_token_latency_seconds_count{job="${JOB}"})`)).toBe(withFirstChunk);
    expect(await one(`sum(llm_first_token_latency_seconds_bucket{job="${JOB}",le="+Inf"})`)).toBe(withFirstChunk);
  });

  it('the exemplars Prometheus stored resolve to exported model-call spans marked llm.exemplar=true', async () => {
    const series: ExemplarSeries[] = [
      ...(await prometheus.queryExemplars(`llm_first_token_latency_seconds_bucket{job="${JOB}"}`)),
      ...(await prometheus.queryExemplars(`llm_requests_total{job="${JOB}"}`)),
    ];
    const exemplars = series.flatMap((entry) => entry.exemplars);
    expect(exemplars.length).toBeGreaterThan(0);
    const processes = new Set<unknown>();
    for (const exemplar of exemplars) {
      const { trace_id: traceId, span_id: spanId } = exemplar.labels;
      const span = spans.find((candidate) => candidate.traceId === traceId && candidate.spanId === spanId);
      expect(span, `exemplar ${traceId}/${spanId} was exported`).toBeDefined();
      expect(span!.attributes['llm.exemplar']).toBe(true);
      processes.add(span!.resource['process.pid']);
    }
    // Each worker's spans carry its own process; the exemplars came from the workers, not the primary.
    const workerPids = new Set<unknown>(spans.map((span) => span.resource['process.pid']));
    expect(workerPids.size).toBe(PLAN.workers);
    for (const pid of processes) expect(workerPids.has(pid)).toBe(true);
  });

  it('says nothing on stderr: no worker tries the metrics port', () => {
    expect(service.app.stderr).toBe('');
  });

  it('a worker killed mid-stream: the primary drops its call in flight, and its counts so far stay', async () => {
    service.app.kill('SIGUSR2');
    await service.app.waitForLine(/^STREAMING$/, 15_000);
    await scrapeUntil(service, (body) => sumOf(body, 'llm_active_requests', { model: 'killed-model' }) === 1);
    service.app.kill('SIGUSR2');
    await service.app.waitForLine(/^KILLED SIGKILL$/, 15_000);
    const body = await scrapeUntil(service, (text) => sumOf(text, 'llm_active_requests') === 0);
    expect(sumOf(body, 'llm_requests_total', { model: PLAN.model })).toBe(ALL_CALLS);
    expect(sumOf(body, 'llm_requests_total', { model: 'killed-model' })).toBe(0);
    await prometheus.waitFor(`sum(llm_active_requests{job="${JOB}"})`, (samples) => samples[0]?.value === 0);
    expect(service.app.stderr).toBe('');
  });
});

/** A base port with the next `count` ports free too, a moment ago. */
async function freePortRange(count: number): Promise<number> {
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
  for (;;) {
    const base = await freePort('127.0.0.1');
    if (base + count > 65535) continue;
    let all = true;
    for (let i = 1; i <= count && all; i++) all = await free(base + i);
    if (all) return base;
  }
}

describe('a cluster whose primary runs no agent', () => {
  let app: ChildApp;
  let base: number;

  beforeAll(async () => {
    base = await freePortRange(PLAN.workers);
    app = await startApp({
      script: APP,
      ext: 'mjs',
      nodeArgs: [],
      env: appEnv({ AGENT_IN_WORKERS_ONLY: '1', OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: String(base) }),
    });
    await app.waitForLine(/^READY$/, 30_000);
    for (let id = 1; id <= PLAN.workers; id++) await app.waitForLine(new RegExp(`cluster worker ${id}: the primary process runs no agent`), 15_000);
    app.kill('SIGUSR2');
    await app.waitForLine(/^DONE$/, 30_000);
  }, 60_000);

  it('each worker serves its own calls on OTEL_EXPORTER_PROMETHEUS_PORT + its worker id, and says so once', async () => {
    const lines = app.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(PLAN.workers);
    for (let id = 1; id <= PLAN.workers; id++) {
      const port = base + id;
      expect(lines.filter((line) => line.includes(`cluster worker ${id}:`))).toEqual([
        `[llm-otel-agent] cluster worker ${id}: the primary process runs no agent, so this worker serves its own /metrics on 127.0.0.1:${port} (OTEL_EXPORTER_PROMETHEUS_PORT + the worker id)`,
      ]);
      const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      expect(sumOf(body, 'llm_requests_total', { model: PLAN.model })).toBe(PER_WORKER);
    }
  });
});
