// The simulator's GET /metrics: what a vLLM server exposes about itself (names, types, labels and
// histogram buckets as vLLM v1's PrometheusStatLogger defines them), in the Prometheus text format
// 0.0.4 as prometheus_client writes it. Every number comes from what the simulator's engines did (see
// engine.ts); nothing is invented or smoothed. prometheus_client's `_created` gauges are left out.
import type { IncomingMessage, ServerResponse } from 'node:http';

export const METRICS_PATH = '/metrics';
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The series the simulator serves, by vLLM's own names (histograms: add _bucket, _sum, _count). */
export const VLLM_METRICS = {
  running: { name: 'vllm:num_requests_running', type: 'gauge', help: 'Number of requests in model execution batches.' },
  waiting: { name: 'vllm:num_requests_waiting', type: 'gauge', help: 'Number of requests waiting to be processed.' },
  kvCacheUsage: { name: 'vllm:kv_cache_usage_perc', type: 'gauge', help: 'KV-cache usage. 1 means 100 percent usage.' },
  promptTokens: { name: 'vllm:prompt_tokens_total', type: 'counter', help: 'Number of prefill tokens processed.' },
  generationTokens: { name: 'vllm:generation_tokens_total', type: 'counter', help: 'Number of generation tokens processed.' },
  requestSuccess: { name: 'vllm:request_success_total', type: 'counter', help: 'Count of successfully processed requests.' },
  timeToFirstToken: { name: 'vllm:time_to_first_token_seconds', type: 'histogram', help: 'Histogram of time to first token in seconds.' },
  e2eLatency: { name: 'vllm:e2e_request_latency_seconds', type: 'histogram', help: 'Histogram of e2e request latency in seconds.' },
  queueTime: { name: 'vllm:request_queue_time_seconds', type: 'histogram', help: 'Histogram of time spent in WAITING phase for request.' },
} as const;

/** The names a query can read (histograms expanded), for the stack tests. */
export function vllmSeriesNames(): string[] {
  return Object.values(VLLM_METRICS).flatMap(({ name, type }) =>
    type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
  );
}

/** vLLM's `finished_reason` values (FINISH_REASON_STRINGS); every one has a series from the start. */
export const FINISH_REASONS = ['stop', 'length', 'abort', 'error', 'repetition'] as const;
export type FinishReason = (typeof FINISH_REASONS)[number];

// vLLM's buckets (vllm/v1/metrics/loggers.py).
const TTFT_BUCKETS = [
  0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 20, 40, 80, 160, 640, 2560,
];
const REQUEST_LATENCY_BUCKETS = [
  0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480, 960, 1920, 7680,
];

export class Histogram {
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative); the last is above every bound (+Inf). */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const index = this.bounds.findIndex((bound) => value <= bound);
    this.counts[index < 0 ? this.bounds.length : index]!++;
    this.sum += value;
    this.count++;
  }
}

/** One engine's request-level statistics, accumulated as its calls reach each moment. */
export class EngineStats {
  readonly timeToFirstToken = new Histogram(TTFT_BUCKETS);
  readonly e2eLatency = new Histogram(REQUEST_LATENCY_BUCKETS);
  readonly queueTime = new Histogram(REQUEST_LATENCY_BUCKETS);
  promptTokens = 0;
  /** Tokens written by calls that have finished; the running calls' own are added at scrape time. */
  finishedOutputTokens = 0;
  readonly finished: Record<FinishReason, number> = { stop: 0, length: 0, abort: 0, error: 0, repetition: 0 };
}

/** What /metrics reads from one engine when it is scraped. */
export interface EngineSnapshot {
  model: string;
  running: number;
  waiting: number;
  /** Tokens the running calls hold in the KV cache over its capacity. */
  kvCacheUsage: number;
  /** Tokens written so far, by finished and running calls. */
  generationTokens: number;
  stats: EngineStats;
}

/** prometheus_client's floatToGoString: 3 -> "3.0", Infinity -> "+Inf", 1.5e9 -> "1.5e+09". */
export function formatValue(value: number): string {
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  if (Number.isNaN(value)) return 'NaN';
  const text = Number.isInteger(value) && Math.abs(value) < 1e16 ? value.toFixed(1) : String(value);
  const dot = text.indexOf('.');
  if (value > 0 && dot > 6 && !text.includes('e')) {
    const mantissa = `${text[0]}.${text.slice(1, dot)}${text.slice(dot + 1)}`.replace(/\.?0+$/, '');
    return `${mantissa}e+0${dot - 1}`;
  }
  return text;
}

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labels(pairs: Array<[string, string]>): string {
  return `{${pairs.map(([name, value]) => `${name}="${escapeLabel(value)}"`).join(',')}}`;
}

/** model_name and engine, in the order vLLM declares them; each model is its own engine 0. */
const engineLabels = (model: string): Array<[string, string]> => [
  ['model_name', model],
  ['engine', '0'],
];

function family(metric: { name: string; type: string; help: string }, samples: string[]): string {
  return `# HELP ${metric.name} ${metric.help}\n# TYPE ${metric.name} ${metric.type}\n${samples.join('')}`;
}

function histogramSamples(name: string, model: string, histogram: Histogram): string[] {
  const base = engineLabels(model);
  const lines: string[] = [];
  let cumulative = 0;
  histogram.bounds.forEach((bound, i) => {
    cumulative += histogram.counts[i]!;
    lines.push(`${name}_bucket${labels([...base, ['le', formatValue(bound)]])} ${formatValue(cumulative)}\n`);
  });
  lines.push(`${name}_bucket${labels([...base, ['le', '+Inf']])} ${formatValue(histogram.count)}\n`);
  lines.push(`${name}_count${labels(base)} ${formatValue(histogram.count)}\n`);
  lines.push(`${name}_sum${labels(base)} ${formatValue(histogram.sum)}\n`);
  return lines;
}

export function renderVllmMetrics(engines: readonly EngineSnapshot[]): string {
  const m = VLLM_METRICS;
  const each = (line: (engine: EngineSnapshot) => string | string[]): string[] => engines.flatMap(line);
  const gauge = (name: string, engine: EngineSnapshot, value: number): string =>
    `${name}${labels(engineLabels(engine.model))} ${formatValue(value)}\n`;
  return [
    family(m.running, each((e) => gauge(m.running.name, e, e.running))),
    family(m.waiting, each((e) => gauge(m.waiting.name, e, e.waiting))),
    family(m.kvCacheUsage, each((e) => gauge(m.kvCacheUsage.name, e, e.kvCacheUsage))),
    family(m.promptTokens, each((e) => gauge(m.promptTokens.name, e, e.stats.promptTokens))),
    family(m.generationTokens, each((e) => gauge(m.generationTokens.name, e, e.generationTokens))),
    family(
      m.requestSuccess,
      each((e) =>
        FINISH_REASONS.map(
          (reason) =>
            `${m.requestSuccess.name}${labels([...engineLabels(e.model), ['finished_reason', reason]])} ${formatValue(e.stats.finished[reason])}\n`,
        ),
      ),
    ),
    family(m.timeToFirstToken, each((e) => histogramSamples(m.timeToFirstToken.name, e.model, e.stats.timeToFirstToken))),
    family(m.e2eLatency, each((e) => histogramSamples(m.e2eLatency.name, e.model, e.stats.e2eLatency))),
    family(m.queueTime, each((e) => histogramSamples(m.queueTime.name, e.model, e.stats.queueTime))),
  ].join('');
}

/** Answers GET /metrics with the engines' metrics; false for any other path. */
export function handleMetrics(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  snapshot: () => EngineSnapshot[],
): boolean {
  if (pathname !== METRICS_PATH) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return true;
  }
  const body = renderVllmMetrics(snapshot());
  res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
