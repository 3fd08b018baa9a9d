// Issue 4's acceptance, the way users run the agent: a service under `node --import llm-otel-agent`
// calls the model simulator through the real openai and Anthropic SDKs on a known schedule; a real
// Prometheus (2.42, exemplar storage on) scrapes the agent's /metrics every second; a real OTLP
// receiver gets the traces. Two copies of the service run side by side: one keeps every trace, one
// samples 10 % of them (OTEL_TRACES_SAMPLER=traceidratio): the metrics must be the same and exact.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKETS } from '../../agent/metrics/buckets.js';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { startPrometheus, type ExemplarSeries, type PrometheusServer, type VectorSample } from '../helpers/prometheus.js';
import { sampleLines, startMetricsApp, type MetricsApp } from './metrics-app.js';

const APP = readFileSync(new URL('./llm-app.mjs', import.meta.url), 'utf8');
const AGENT_SCOPE = 'llm-otel-agent';
const ANTHROPIC_SDK_SCOPE = 'com.anthropic.sdk.typescript';

// First content chunk after 350 ms or 1.2 s: inside the (0.3, 0.5] and (1, 1.5] buckets, with room
// above for a busy machine (the measured time is never below the scheduled one).
const FAST_MS = 350;
const SLOW_MS = 1200;
const CHUNKS = 4;

interface PlannedCall {
  client: 'openai' | 'anthropic';
  model: string;
  firstChunkMs: number;
  chunks: number;
  error?: '500';
}

interface CallResult {
  ok: boolean;
  input?: number;
  output?: number;
  status?: number;
}

const openaiCall = (firstChunkMs: number, error?: '500'): PlannedCall => ({
  client: 'openai',
  model: 'gpt-e2e',
  firstChunkMs,
  chunks: CHUNKS,
  ...(error ? { error } : {}),
});
const times = <T>(n: number, make: () => T): T[] => Array.from({ length: n }, make);

// The warm-up call gives the openai series a first scrape before the planned calls, so rate() sees
// all of these: 6 fast and 4 slow first chunks, so the median is fast and the 0.9 quantile slow.
const PLAN = {
  warmUp: [openaiCall(FAST_MS)],
  calls: [
    ...times(6, () => openaiCall(FAST_MS)),
    ...times(4, () => openaiCall(SLOW_MS)),
    ...times(3, () => openaiCall(FAST_MS, '500')),
    { client: 'anthropic', model: 'claude-e2e', firstChunkMs: FAST_MS, chunks: CHUNKS } satisfies PlannedCall,
  ],
};
const ALL_CALLS = [...PLAN.warmUp, ...PLAN.calls];
const FAILING_CALLS = ALL_CALLS.filter((call) => call.error).length;
const STREAMED_CALLS = ALL_CALLS.length - FAILING_CALLS;

interface Run {
  name: string;
  /** The Prometheus job that scrapes it: startPrometheus names them target-<index of the target>. */
  job: string;
  metrics: MetricsApp;
  receiver: OtlpReceiver;
  results: CallResult[];
  /** Every span the receiver got, once the app has flushed. */
  spans: ReceivedSpan[];
}

let sim: ModelSimulator;
let prometheus: PrometheusServer;
const runs: Record<'full' | 'sampled', Run> = {} as Record<'full' | 'sampled', Run>;

async function startRun(name: string, job: string, env: Record<string, string>): Promise<Run> {
  const receiver = await startOtlpReceiver();
  const metrics = await startMetricsApp({
    script: APP,
    ext: 'mjs',
    env: {
      SIM_URL: sim.url,
      PLAN: JSON.stringify(PLAN),
      OTEL_SERVICE_NAME: name,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      LLM_OTEL_GPU_INTERVAL: '0', // no nvidia-smi here; gpu-metrics.test.ts covers that line
      ...env,
    },
  });
  await metrics.app.waitForLine(/^WARM$/, 15_000);
  return { name, job, metrics, receiver, results: [], spans: [] };
}

const requestsOf = (run: Run): Promise<VectorSample[]> => prometheus.query(`sum(llm_requests_total{job="${run.job}"})`);
const waitForRequests = (run: Run, count: number): Promise<VectorSample[]> =>
  prometheus.waitFor(`sum(llm_requests_total{job="${run.job}"})`, (result) => result[0]?.value === count);
const resultsOf = (run: Run): CallResult[] =>
  run.metrics.app.stdout
    .split('\n')
    .filter((line) => line.startsWith('RESULT '))
    .map((line) => JSON.parse(line.slice('RESULT '.length)) as CallResult);
const modelCallSpans = (spans: readonly ReceivedSpan[]): ReceivedSpan[] => spans.filter((span) => span.scope.name === AGENT_SCOPE);

beforeAll(async () => {
  sim = await startModelSimulator();
  [runs.full, runs.sampled] = await Promise.all([
    startRun('e2e-full', 'target-0', {}),
    startRun('e2e-sampled', 'target-1', { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' }),
  ]);
  prometheus = await startPrometheus([{ address: runs.full.metrics.address }, { address: runs.sampled.metrics.address }]);
  const both = [runs.full, runs.sampled];
  // Only once Prometheus holds the warm-up counts do the planned calls start.
  await Promise.all(both.map((run) => waitForRequests(run, PLAN.warmUp.length)));
  for (const run of both) run.metrics.app.kill('SIGUSR2');
  await Promise.all(both.map((run) => run.metrics.app.waitForLine(/^DONE$/, 15_000)));
  await Promise.all(both.map((run) => waitForRequests(run, ALL_CALLS.length)));
  for (const run of both) run.results = resultsOf(run);

  // Every model call of the full run is exported; the sampled run flushes what it sampled on SIGTERM.
  runs.full.spans = await runs.full.receiver.waitForSpans((spans) => modelCallSpans(spans).length >= ALL_CALLS.length);
  await runs.sampled.metrics.app.stop();
  runs.sampled.spans = [...runs.sampled.receiver.spans];
}, 60_000);

afterAll(async () => {
  await stopAll();
  await prometheus?.stop();
  await Promise.all(Object.values(runs).map((run) => run.receiver.close()));
  await sim?.close();
});

function byLabel(samples: readonly VectorSample[], label: string): Record<string, number> {
  return Object.fromEntries(samples.map((sample) => [sample.metric[label] ?? '', sample.value]));
}

/** The histogram bucket a time falls in: (lower, upper], as the SDK counts it. */
function bucketOf(seconds: number, boundaries: readonly number[] = DEFAULT_BUCKETS.firstToken): [number, number] {
  const index = boundaries.findIndex((bound) => seconds <= bound);
  return [boundaries[index - 1] ?? 0, boundaries[index]!];
}

describe.each(['full', 'sampled'] as const)('%s tracing: metrics scraped by a real Prometheus', (which) => {
  const run = (): Run => runs[which];

  it('the agent says nothing on a healthy run', () => {
    expect(run().metrics.app.stderr).toBe('');
  });

  it('the app made every call it planned and saw the simulator usage', () => {
    const results = run().results;
    expect(results).toHaveLength(ALL_CALLS.length);
    expect(results.filter((result) => !result.ok)).toEqual(times(FAILING_CALLS, () => ({ ok: false, status: 500 })));
    for (const result of results.filter((r) => r.ok)) {
      expect(result.output).toBe(CHUNKS);
      expect(result.input).toBeGreaterThan(0);
    }
  });

  it('counts every call exactly, by outcome and by error type', async () => {
    expect((await requestsOf(run()))[0]!.value).toBe(ALL_CALLS.length);
    const byStatus = await prometheus.query(`sum by (status) (llm_requests_total{job="${run().job}",service_name="${run().name}"})`);
    expect(byLabel(byStatus, 'status')).toEqual({ ok: STREAMED_CALLS, error: FAILING_CALLS });
    const errors = await prometheus.query(`sum by (error_type) (llm_errors_total{job="${run().job}"})`);
    expect(byLabel(errors, 'error_type')).toEqual({ '500': FAILING_CALLS });
    const [active] = await prometheus.query(`sum(llm_active_requests{job="${run().job}"})`);
    expect(active!.value).toBe(0);
  });

  it('counts the tokens the simulator reported', async () => {
    const ok = run().results.filter((result) => result.ok);
    const [prompt] = await prometheus.query(`sum(llm_prompt_tokens_total{job="${run().job}"})`);
    expect(prompt!.value).toBe(ok.reduce((sum, result) => sum + result.input!, 0));
    const [generated] = await prometheus.query(`sum(llm_tokens_generated_total{job="${run().job}"})`);
    expect(generated!.value).toBe(STREAMED_CALLS * CHUNKS);
  });

  it('puts the rate()-based first-token quantiles in the buckets of the schedule', async () => {
    const [count] = await prometheus.query(`sum(llm_first_token_latency_seconds_count{job="${run().job}"})`);
    expect(count!.value).toBe(STREAMED_CALLS);
    const quantile = async (q: number): Promise<number> => {
      const selector = `llm_first_token_latency_seconds_bucket{job="${run().job}",provider="openai"}`;
      const [result] = await prometheus.query(`histogram_quantile(${q}, sum by (le) (rate(${selector}[1m])))`);
      return result!.value;
    };
    const [fastLower, fastUpper] = bucketOf(FAST_MS / 1000);
    const median = await quantile(0.5);
    expect(median).toBeGreaterThan(fastLower);
    expect(median).toBeLessThanOrEqual(fastUpper);
    const [slowLower, slowUpper] = bucketOf(SLOW_MS / 1000);
    const p90 = await quantile(0.9);
    expect(p90).toBeGreaterThan(slowLower);
    expect(p90).toBeLessThanOrEqual(slowUpper);
  });

  it('stores exemplars that each link to an exported model-call span marked llm.exemplar=true', async () => {
    const { job, spans } = run();
    const firstToken = await prometheus.queryExemplars(`llm_first_token_latency_seconds_bucket{job="${job}"}`);
    const requests = await prometheus.queryExemplars(`llm_requests_total{job="${job}"}`);
    if (which === 'full') {
      // Every trace is kept, so every series has exemplars; sampled at 10 %, some may have none.
      expect(firstToken.length).toBeGreaterThan(0);
      expect(requests.length).toBeGreaterThan(0);
    }
    const exportedTraces = new Set(spans.map((span) => span.traceId));
    const linked = (series: ExemplarSeries[]) =>
      series.flatMap((entry) =>
        entry.exemplars.map((exemplar) => {
          const { trace_id: traceId, span_id: spanId } = exemplar.labels;
          expect(exportedTraces.has(traceId!), `exemplar trace ${traceId} was exported`).toBe(true);
          const span = spans.find((candidate) => candidate.traceId === traceId && candidate.spanId === spanId);
          expect(span, `exemplar span ${spanId} was exported`).toBeDefined();
          expect(span!.scope.name).toBe(AGENT_SCOPE);
          expect(span!.attributes['llm.exemplar']).toBe(true);
          return { series: entry.seriesLabels, value: Number(exemplar.value), span: span! };
        }),
      );
    for (const { series, value, span } of linked(firstToken)) {
      // The exemplar is the span's own time to first chunk, in the bucket it is attached to.
      expect(value).toBeCloseTo(span.attributes['gen_ai.response.time_to_first_chunk'] as number, 6);
      const upper = series.le === '+Inf' ? Infinity : Number(series.le);
      expect(value).toBeLessThanOrEqual(upper);
      expect(value).toBeGreaterThan(bucketOf(Math.min(value, upper))[0]);
    }
    for (const { series, span } of linked(requests)) {
      expect(series.model).toBe(span.attributes['gen_ai.response.model'] ?? span.attributes['gen_ai.request.model']);
      expect(series.status).toBe(span.attributes['error.type'] === undefined ? 'ok' : 'error');
    }
  });
});

describe('sampling does not change the metrics', () => {
  it('at traceidratio 0.1 the receiver got a fraction of the model calls, the counters all of them', async () => {
    const exported = modelCallSpans(runs.sampled.spans);
    // Binomial(15, 0.1): more than 7 happens about once in 30,000 runs.
    expect(exported.length).toBeLessThan(ALL_CALLS.length / 2);
    expect((await requestsOf(runs.sampled))[0]!.value).toBe(ALL_CALLS.length);
    expect(modelCallSpans(runs.full.spans)).toHaveLength(ALL_CALLS.length);
  });
});

describe('the Anthropic SDK', () => {
  it('emits its own span around the model call, and the call is counted once', async () => {
    const spans = runs.full.spans;
    const sdkSpans = spans.filter((span) => span.scope.name === ANTHROPIC_SDK_SCOPE);
    const anthropicCalls = modelCallSpans(spans).filter((span) => span.attributes['gen_ai.provider.name'] === 'anthropic');
    expect(sdkSpans).toHaveLength(1);
    expect(anthropicCalls).toHaveLength(1);
    expect(anthropicCalls[0]!.parentSpanId).toBe(sdkSpans[0]!.spanId);
    const counted = await prometheus.query(`sum(llm_requests_total{job="${runs.full.job}",provider="anthropic"})`);
    expect(counted[0]!.value).toBe(1);
    const [streamed] = await prometheus.query(`sum(llm_first_token_latency_seconds_count{job="${runs.full.job}",provider="anthropic"})`);
    expect(streamed!.value).toBe(1);
  });
});

describe('exposition formats of the agent endpoint', () => {
  it('a plain fetch gets the 0.0.4 text format, without exemplars', async () => {
    const { contentType, body } = await runs.full.metrics.scrape();
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(body).not.toContain('# EOF');
    expect(body).not.toContain('trace_id');
    expect(body).toContain('# TYPE llm_requests_total counter');
    const requests = sampleLines(body).filter((line) => line.startsWith('llm_requests_total{'));
    expect(requests.reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0)).toBe(ALL_CALLS.length);
  });

  it('an OpenMetrics scraper gets OpenMetrics 1.0 with exemplars and # EOF', async () => {
    const { contentType, body } = await runs.full.metrics.scrape(true);
    expect(contentType).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
    expect(body.endsWith('# EOF\n')).toBe(true);
    expect(body).toContain('# TYPE llm_requests counter');
    expect(body).toMatch(/^llm_first_token_latency_seconds_bucket\{[^}]*\} \d+ # \{trace_id="[0-9a-f]{32}",span_id="[0-9a-f]{16}"\} [\d.e-]+ [\d.]+$/m);
  });
});
