// The typed options of the span-derived metrics and their defaults. Their environment variables
// (LLM_OTEL_METRICS_NAMING, LLM_OTEL_MAX_SERIES, LLM_OTEL_BUCKETS_*) are in the agent's one
// configuration table (../config/variables.ts), which reads and validates them; this module reads none.
import { DEFAULT_BUCKETS } from './buckets.js';
import type { BucketsId, NamingProfile } from './names.js';
import type { GenAiConventions } from '../semconv.js';

export interface LlmMetricsOptions {
  /** Which column of the names table to expose: the agent's `llm_*` names or the GenAI conventions'. */
  naming: NamingProfile;
  /** Under the `otel` profile, v1.41's metric names or the newer ones (OTEL_SEMCONV_STABILITY_OPT_IN). */
  conventions: GenAiConventions;
  /** Most label sets kept per metric; later ones fold into `other`. */
  maxSeries: number;
  /** Histogram boundaries, by the table's bucket id. */
  buckets: Readonly<Record<BucketsId, readonly number[]>>;
  /** How old an exemplar must be before a newer sampled span may replace it (see exemplars.ts). */
  exemplarRefreshMs: number;
}

export const DEFAULT_METRICS_OPTIONS: LlmMetricsOptions = {
  naming: 'prometheus',
  conventions: 'v1.41',
  maxSeries: 1000,
  buckets: DEFAULT_BUCKETS,
  // Prometheus's default scrape interval: an exemplar lives at least one scrape before it is replaced.
  exemplarRefreshMs: 15_000,
};
