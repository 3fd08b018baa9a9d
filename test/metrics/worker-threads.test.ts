// Issue 16's acceptance, the way users run the agent: `node --import llm-otel-agent` applies to every
// worker thread too, so each of a pool's workers starts an agent. A service with a pool of four
// workers and a main thread, all making streamed and failing calls, must still be one process to
// its operators: every call counted once on the main thread's /metrics (at 10 % head sampling too),
// exemplars that resolve to exported spans, one nvidia-smi per interval, no warning, and a worker
// that goes away mid-stream leaves nothing in flight.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { FakeNvidiaSmi } from '../gpu/fake-nvidia-smi.js';
import { scrapeUntil, startMetricsApp, type MetricsApp } from '../e2e/metrics-app.js';
import { exemplarsOf, sumOf } from './exposition.js';

const APP = readFileSync(new URL('./worker-threads-app.mjs', import.meta.url), 'utf8');
const AGENT_SCOPE = 'llm-otel-agent';
const PLAN = {
  workers: 4,
  mainModel: 'main-model',
  workerModel: 'worker-model',
  main: { streamed: 3, failed: 1 },
  perWorker: { streamed: 3, failed: 2 },
};
const MAIN_CALLS = PLAN.main.streamed + PLAN.main.failed;
const WORKER_STREAMED = PLAN.workers * PLAN.perWorker.streamed;
const WORKER_FAILED = PLAN.workers * PLAN.perWorker.failed;
const ALL_CALLS = MAIN_CALLS + WORKER_STREAMED + WORKER_FAILED;
const GPU_INTERVAL_S = 0.25;

interface Run {
  metrics: MetricsApp;
  receiver: OtlpReceiver;
  /** Every span the receiver got once the app had flushed them. */
  spans: ReceivedSpan[];
  /** Both formats, scraped once every call had ended. */
  text: string;
  openMetrics: string;
}

let sim: ModelSimulator;
let fake: FakeNvidiaSmi;
const runs = {} as Record<'full' | 'sampled', Run>;
let midStream: { metrics: MetricsApp; receiver: OtlpReceiver };

const modelCallSpans = (spans: readonly ReceivedSpan[]): ReceivedSpan[] => spans.filter((span) => span.scope.name === AGENT_SCOPE);

async function startPool(env: Record<string, string>): Promise<{ metrics: MetricsApp; receiver: OtlpReceiver }> {
  const receiver = await startOtlpReceiver();
  const metrics = await startMetricsApp(
    {
      script: APP,
      ext: 'mjs',
      env: {
        SIM_URL: sim.url,
        PLAN: JSON.stringify(PLAN),
        OTEL_SERVICE_NAME: 'pooled',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_BSP_SCHEDULE_DELAY: '100',
        LLM_OTEL_GPU_INTERVAL: '0',
        ...env,
      },
    },
    30_000,
  );
  await metrics.app.waitForLine(/^READY$/, 30_000);
  return { metrics, receiver };
}


beforeAll(async () => {
  sim = await startModelSimulator();
  fake = new FakeNvidiaSmi().printFixture('h100.csv');
  const [full, sampled, mid] = await Promise.all([
    startPool({ SCENARIO: 'pool', LLM_OTEL_GPU_INTERVAL: String(GPU_INTERVAL_S), LLM_OTEL_GPU_NVIDIA_SMI: fake.path }),
    startPool({ SCENARIO: 'pool', OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
    startPool({ SCENARIO: 'mid-stream' }),
  ]);
  midStream = mid;
  for (const [name, run] of [['full', full], ['sampled', sampled]] as const) {
    run.metrics.app.kill('SIGUSR2');
    await run.metrics.app.waitForLine(/^DONE$/, 30_000);
    const text = await scrapeUntil(run.metrics, (body) => sumOf(body, 'llm_requests_total') === ALL_CALLS);
    runs[name] = { ...run, text, openMetrics: (await run.metrics.scrape(true)).body, spans: [] };
  }
  runs.full.spans = await runs.full.receiver.waitForSpans((spans) => modelCallSpans(spans).length >= ALL_CALLS);
  // The sampled run exports what it sampled: stopping it flushes every thread's spans.
  await runs.sampled.metrics.app.stop();
  runs.sampled.spans = [...runs.sampled.receiver.spans];
}, 120_000);

afterAll(async () => {
  await stopAll();
  await Promise.all([...Object.values(runs).map((run) => run.receiver.close()), midStream?.receiver.close()]);
  await sim?.close();
  fake?.remove();
});

describe.each(['full', 'sampled'] as const)('a pool of four workers, %s tracing', (which) => {
  const run = (): Run => runs[which];

  it('every thread made its calls', () => {
    const results = run()
      .metrics.app.stdout.split('\n')
      .filter((line) => line.startsWith('RESULT '))
      .flatMap((line) => JSON.parse(line.slice('RESULT '.length)) as Array<{ ok: boolean }>);
    expect(results).toHaveLength(ALL_CALLS);
    expect(results.filter((result) => !result.ok)).toHaveLength(PLAN.main.failed + WORKER_FAILED);
  });

  it('counts every call exactly once on the main thread\'s /metrics', () => {
    const { text } = run();
    expect(sumOf(text, 'llm_requests_total', { model: PLAN.mainModel, status: 'ok' })).toBe(PLAN.main.streamed);
    expect(sumOf(text, 'llm_requests_total', { model: PLAN.mainModel, status: 'error' })).toBe(PLAN.main.failed);
    expect(sumOf(text, 'llm_requests_total', { model: PLAN.workerModel, status: 'ok' })).toBe(WORKER_STREAMED);
    expect(sumOf(text, 'llm_requests_total', { model: PLAN.workerModel, status: 'error' })).toBe(WORKER_FAILED);
    expect(sumOf(text, 'llm_errors_total', { error_type: '500' })).toBe(PLAN.main.failed + WORKER_FAILED);
    expect(sumOf(text, 'llm_first_token_latency_seconds_count')).toBe(PLAN.main.streamed + WORKER_STREAMED);
    expect(sumOf(text, 'llm_generation_latency_seconds_count')).toBe(ALL_CALLS);
    expect(sumOf(text, 'llm_tokens_generated_total')).toBe((PLAN.main.streamed + WORKER_STREAMED) * 4);
    expect(sumOf(text, 'llm_active_requests')).toBe(0);
    // One service, one resource: every series carries the main thread's service name.
    expect(sumOf(text, 'llm_requests_total', { service_name: 'pooled' })).toBe(ALL_CALLS);
  });

  it('has exemplars that resolve to exported model-call spans marked llm.exemplar=true', () => {
    const { openMetrics, spans } = run();
    const exemplars = exemplarsOf(openMetrics);
    if (which === 'full') expect(exemplars.length).toBeGreaterThan(0);
    for (const exemplar of exemplars) {
      const span = spans.find((candidate) => candidate.traceId === exemplar.traceId && candidate.spanId === exemplar.spanId);
      expect(span, `exemplar ${exemplar.series} → ${exemplar.traceId}/${exemplar.spanId} was exported`).toBeDefined();
      expect(span!.scope.name).toBe(AGENT_SCOPE);
      expect(span!.attributes['llm.exemplar']).toBe(true);
    }
    if (which === 'full') {
      const fromWorkers = exemplars.filter((exemplar) => spans.find((span) => span.spanId === exemplar.spanId)?.attributes['thread.id'] !== undefined);
      expect(fromWorkers.length, 'some exemplars point to spans made in worker threads').toBeGreaterThan(0);
    }
  });

  it('the agent says nothing: no worker tries the metrics port', () => {
    expect(run().metrics.app.stderr).toBe('');
  });
});

describe('spans made in worker threads', () => {
  it('carry thread.id and thread.name, and share the process\'s resource', () => {
    const calls = modelCallSpans(runs.full.spans);
    expect(calls).toHaveLength(ALL_CALLS);
    const inWorkers = calls.filter((span) => span.attributes['gen_ai.request.model'] === PLAN.workerModel);
    const inMain = calls.filter((span) => span.attributes['gen_ai.request.model'] === PLAN.mainModel);
    expect(inWorkers).toHaveLength(WORKER_STREAMED + WORKER_FAILED);
    const threads = new Set(inWorkers.map((span) => span.attributes['thread.id']));
    expect(threads.size).toBe(PLAN.workers);
    for (const span of inWorkers) {
      expect(span.attributes['thread.id']).toBeGreaterThan(0);
      expect(span.attributes['thread.name']).toMatch(/^pool-[1-4]$/);
    }
    for (const span of inMain) expect(span.attributes['thread.id']).toBeUndefined();
    const resources = new Set(runs.full.spans.map((span) => JSON.stringify(span.resource)));
    expect(resources.size, [...resources].join('\n')).toBe(1);
    expect(calls[0]!.resource['service.name']).toBe('pooled');
  });

  it('at 10 % head sampling the receiver got a fraction of them, the counters all', () => {
    // Binomial(24, 0.1): 12 or more happens about once in 100,000 runs.
    expect(modelCallSpans(runs.sampled.spans).length).toBeLessThan(ALL_CALLS / 2);
    expect(sumOf(runs.sampled.text, 'llm_requests_total')).toBe(ALL_CALLS);
  });
});

describe('one GPU poller per process', () => {
  it('runs one nvidia-smi per interval, from the main thread only', async () => {
    const before = fake.calls();
    const windowS = 2.5;
    await sleep(windowS * 1000);
    const polls = fake.calls() - before;
    // Five threads polling would run about five times as many.
    expect(polls).toBeGreaterThanOrEqual(2);
    expect(polls).toBeLessThanOrEqual(Math.ceil(windowS / GPU_INTERVAL_S) + 2);
    expect(fake.overlaps()).toBe(0);
    const gpu = (await runs.full.metrics.scrape()).body;
    expect(sumOf(gpu, 'llm_gpu_memory_total_bytes')).toBe(81559 * 1024 * 1024);
  });
});

describe('a worker that goes mid-stream', () => {
  it('terminated: its call leaves llm_active_requests; exited: its call is ended and counted', async () => {
    const { metrics } = midStream;
    metrics.app.kill('SIGUSR2');
    await metrics.app.waitForLine(/^STREAMING$/, 15_000);
    await scrapeUntil(metrics, (body) => sumOf(body, 'llm_active_requests', { model: 'terminated-model' }) === 1);

    metrics.app.kill('SIGUSR2');
    await metrics.app.waitForLine(/^TERMINATED$/, 15_000);
    const afterTerminate = await scrapeUntil(metrics, (body) => sumOf(body, 'llm_active_requests') === 0);
    // The terminated worker never ended its call, so there is no span for it: it is not counted.
    expect(sumOf(afterTerminate, 'llm_requests_total', { model: 'terminated-model' })).toBe(0);

    await metrics.app.waitForLine(/^EXITED$/, 15_000);
    const afterExit = await scrapeUntil(metrics, (body) => sumOf(body, 'llm_requests_total', { model: 'exited-model' }) === 1);
    expect(sumOf(afterExit, 'llm_active_requests')).toBe(0);
    // The worker called process.exit: the agent ended the open call on the way out.
    expect(sumOf(afterExit, 'llm_errors_total', { model: 'exited-model', error_type: 'cancelled' })).toBe(1);
    expect(metrics.app.stderr).toBe('');
  });
});
