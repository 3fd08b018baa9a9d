// Span-derived LLM metrics with exemplars, and the Prometheus endpoint that exposes them.
export { createLlmMetrics, type LlmMetrics } from './llm-metrics.js';
export {
  createPrometheusEndpoint,
  prefersOpenMetrics,
  type PrometheusEndpoint,
  type PrometheusEndpointOptions,
  type WarnLogger,
} from './endpoint.js';
export { DEFAULT_METRICS_OPTIONS, type LlmMetricsOptions } from './options.js';
export { DEFAULT_BUCKETS, SLO_BOUNDARIES } from './buckets.js';
export { METRICS, type MetricId, type NamingProfile } from './names.js';
export type { Exemplar, ExemplarLookup } from './exemplars.js';
export { serializeOpenMetrics } from './openmetrics.js';
export { serializePrometheusText } from './text-format.js';
