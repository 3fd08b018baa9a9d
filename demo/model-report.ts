// Turns a scrape of the service's /metrics into one row per model: what a Grafana panel of the
// agent's metrics would show, computed the way PromQL would compute it.
import { LABEL_NAMES, METRICS, type MetricId } from '../agent/metrics/names.js';
import { histogramQuantile, sumBuckets, type CumulativeBucket } from './histogram-quantile.js';
import type { MetricSample } from './openmetrics-parse.js';

export interface ExemplarTrace {
  traceId: string;
  spanId: string;
  /** The observed value the exemplar stands for (seconds to the first token; 1 for a counter). */
  value: number;
}

export interface ModelRow {
  model: string;
  provider: string;
  requests: number;
  errors: number;
  /** The error_type label values seen, e.g. ["429"]. */
  errorTypes: string[];
  /** Seconds; undefined without streamed calls that produced a first token. */
  firstTokenP50?: number;
  firstTokenP95?: number;
  outputTokens: number;
  /** The first-token exemplar with the largest value: the slowest start this scrape can point to. */
  slowestExemplar?: ExemplarTrace;
  /** The exemplar of a failed call (from the errors counter). */
  errorExemplar?: ExemplarTrace;
}

const LABELS = LABEL_NAMES.prometheus;
const MODEL_LABEL = LABELS.model!;
const PROVIDER_LABEL = LABELS.provider!;
const ERROR_TYPE_LABEL = LABELS.errorType!;

function exposedName(id: MetricId): string {
  return METRICS[id].prometheus.name;
}

const FIRST_TOKEN_BUCKET = `${exposedName('firstTokenLatency')}_bucket`;

function sumOf(samples: readonly MetricSample[], name: string): number {
  return samples.filter((sample) => sample.name === name).reduce((total, sample) => total + sample.value, 0);
}

/** One bucket list per series: samples grouped by their labels other than `le`. */
function bucketSeries(buckets: readonly MetricSample[]): CumulativeBucket[][] {
  const series = new Map<string, CumulativeBucket[]>();
  for (const { labels, value } of buckets) {
    const { le, ...rest } = labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const list = series.get(key) ?? [];
    list.push({ le: le === '+Inf' ? Infinity : Number(le), count: value });
    series.set(key, list);
  }
  return [...series.values()];
}

/** The samples' exemplar with the largest value: for latency buckets, the slowest call they point to. */
function largestExemplar(samples: readonly MetricSample[]): ExemplarTrace | undefined {
  let largest: ExemplarTrace | undefined;
  for (const { exemplar } of samples) {
    const traceId = exemplar?.labels.trace_id;
    const spanId = exemplar?.labels.span_id;
    if (!exemplar || !traceId || !spanId) continue;
    if (!largest || exemplar.value > largest.value) largest = { traceId, spanId, value: exemplar.value };
  }
  return largest;
}

export function modelRows(samples: readonly MetricSample[]): ModelRow[] {
  const byModel = new Map<string, MetricSample[]>();
  for (const sample of samples) {
    const model = sample.labels[MODEL_LABEL];
    if (model === undefined) continue;
    const list = byModel.get(model) ?? [];
    list.push(sample);
    byModel.set(model, list);
  }
  const rows: ModelRow[] = [];
  for (const [model, modelSamples] of byModel) {
    const requests = sumOf(modelSamples, exposedName('requests'));
    if (requests === 0) continue;
    const firstTokenBuckets = modelSamples.filter((sample) => sample.name === FIRST_TOKEN_BUCKET);
    const buckets = sumBuckets(bucketSeries(firstTokenBuckets));
    const firstTokenP50 = histogramQuantile(0.5, buckets);
    const firstTokenP95 = histogramQuantile(0.95, buckets);
    const exemplar = largestExemplar(firstTokenBuckets);
    const errorSamples = modelSamples.filter((sample) => sample.name === exposedName('errors') && sample.value > 0);
    const errorExemplar = largestExemplar(errorSamples);
    rows.push({
      model,
      provider: modelSamples.find((sample) => sample.labels[PROVIDER_LABEL])?.labels[PROVIDER_LABEL] ?? '',
      requests,
      errors: sumOf(errorSamples, exposedName('errors')),
      errorTypes: [...new Set(errorSamples.map((sample) => sample.labels[ERROR_TYPE_LABEL] ?? ''))].filter(Boolean).sort(),
      ...(firstTokenP50 !== undefined ? { firstTokenP50 } : {}),
      ...(firstTokenP95 !== undefined ? { firstTokenP95 } : {}),
      outputTokens: sumOf(modelSamples, exposedName('outputTokens')),
      ...(exemplar ? { slowestExemplar: exemplar } : {}),
      ...(errorExemplar ? { errorExemplar } : {}),
    });
  }
  return rows.sort((a, b) => a.model.localeCompare(b.model));
}
