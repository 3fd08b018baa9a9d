// The typed options of the span-derived metrics, and how they are read from the environment. This
// module never touches process.env: the agent's config module hands it the env object and its
// bad-value reporter, so every variable is validated once, in one way.
import { EnvReader, type Env, type WarnBadValue } from '../env-reader.js';
import { DEFAULT_BUCKETS } from './buckets.js';
import { NAMING_PROFILES, type BucketsId, type NamingProfile } from './names.js';

export interface LlmMetricsOptions {
  /** Which column of the names table to expose: the agent's `llm_*` names or the GenAI conventions'. */
  naming: NamingProfile;
  /** Most label sets kept per metric; later ones fold into `other`. */
  maxSeries: number;
  /** Histogram boundaries, by the table's bucket id. */
  buckets: Readonly<Record<BucketsId, readonly number[]>>;
  /** How old an exemplar must be before a newer sampled span may replace it (see exemplars.ts). */
  exemplarRefreshMs: number;
}

export const METRICS_ENV = {
  naming: 'LLM_OTEL_METRICS_NAMING',
  maxSeries: 'LLM_OTEL_MAX_SERIES',
  firstTokenBuckets: 'LLM_OTEL_BUCKETS_FIRST_TOKEN',
  generationBuckets: 'LLM_OTEL_BUCKETS_GENERATION',
  timePerTokenBuckets: 'LLM_OTEL_BUCKETS_TIME_PER_TOKEN',
} as const;

export const DEFAULT_METRICS_OPTIONS: LlmMetricsOptions = {
  naming: 'prometheus',
  maxSeries: 1000,
  buckets: DEFAULT_BUCKETS,
  // Prometheus's default scrape interval: an exemplar lives at least one scrape before it is replaced.
  exemplarRefreshMs: 15_000,
};

/** Reads the metrics variables; each bad value gives one `warn` call and its default. */
export function metricsOptionsFromEnv(env: Env, warn: WarnBadValue): LlmMetricsOptions {
  const read = new EnvReader(env, warn);
  const defaults = DEFAULT_METRICS_OPTIONS;
  return {
    naming: read.oneOf(METRICS_ENV.naming, NAMING_PROFILES, defaults.naming),
    maxSeries: read.number(METRICS_ENV.maxSeries, defaults.maxSeries, { min: 1, integer: true }),
    buckets: {
      firstToken: read.increasingNumbers(METRICS_ENV.firstTokenBuckets, defaults.buckets.firstToken),
      generation: read.increasingNumbers(METRICS_ENV.generationBuckets, defaults.buckets.generation),
      timePerToken: read.increasingNumbers(METRICS_ENV.timePerTokenBuckets, defaults.buckets.timePerToken),
      tokenCount: defaults.buckets.tokenCount,
    },
    exemplarRefreshMs: defaults.exemplarRefreshMs,
  };
}
