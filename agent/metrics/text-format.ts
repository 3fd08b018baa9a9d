// The Prometheus 0.0.4 text format, for scrapers that do not ask for OpenMetrics: the same writer as
// the OpenMetrics output (openmetrics.ts), so both formats expose the same names and samples.
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { expositionPieces, expositionText } from './openmetrics.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export function serializePrometheusText(resourceMetrics: ResourceMetrics): string {
  return expositionText(expositionPieces(resourceMetrics, 'text'));
}
