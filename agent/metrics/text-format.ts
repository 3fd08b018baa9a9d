// The Prometheus 0.0.4 text format, for scrapers that do not ask for OpenMetrics. The SDK's
// PrometheusSerializer writes it well; the agent only renames the metrics first, through the same
// naming rule as the OpenMetrics output, so both formats expose the same names.
import type { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import type { MetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { loadEsm } from '../load-esm.js';
import { prometheusFamily } from './prometheus-naming.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// Loaded at the first 0.0.4 scrape (about 90 ms of start-up otherwise): Prometheus itself asks for
// OpenMetrics, so many services never need it.
let serializer: PrometheusSerializer | undefined;

export function serializePrometheusText(resourceMetrics: ResourceMetrics): string {
  if (!serializer) {
    const { PrometheusSerializer } = loadEsm<typeof import('@opentelemetry/exporter-prometheus')>('@opentelemetry/exporter-prometheus');
    // No scope labels: series carry only the labels the names table gives them, as in OpenMetrics.
    serializer = new PrometheusSerializer(undefined, false, undefined, false, true);
  }
  return serializer.serialize(withPrometheusNames(resourceMetrics));
}

function withPrometheusNames(resourceMetrics: ResourceMetrics): ResourceMetrics {
  return {
    resource: resourceMetrics.resource,
    scopeMetrics: resourceMetrics.scopeMetrics.map((scope) => ({
      scope: scope.scope,
      metrics: scope.metrics.map(renamed),
    })),
  };
}

function renamed(metric: MetricData): MetricData {
  const family = prometheusFamily(metric);
  return { ...metric, descriptor: { ...metric.descriptor, name: family.name, unit: family.unit } };
}
