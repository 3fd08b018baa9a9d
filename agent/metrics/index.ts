// What the metrics component (../telemetry.ts) and doctor take from this folder: the span-derived
// LLM metrics with exemplars, and the Prometheus endpoint that exposes them.
export { createLlmMetrics, type LlmMetrics } from './llm-metrics.js';
export { createPrometheusEndpoint, type PrometheusEndpoint } from './endpoint.js';
export type { LlmMetricsOptions } from './options.js';
