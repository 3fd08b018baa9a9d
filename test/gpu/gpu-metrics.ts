// A real sdk-metrics MeterProvider whose output a test can read: as data points, and as the
// Prometheus text that @opentelemetry/exporter-prometheus's serializer makes of them.
import type { Attributes } from '@opentelemetry/api';
import { PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { forgetUnobservedGauges } from '../../agent/metrics/gpu/temporality.js';

class InspectableReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: forgetUnobservedGauges });
  }
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

export interface Point {
  name: string;
  unit: string;
  value: number;
  attributes: Attributes;
}

export class GpuMetrics {
  private readonly reader = new InspectableReader();
  private readonly provider = new MeterProvider({ readers: [this.reader] });
  readonly meter = this.provider.getMeter('llm-otel-agent');

  async points(): Promise<Point[]> {
    const metrics = await this.collect();
    return metrics.scopeMetrics.flatMap((scope) =>
      scope.metrics.flatMap((metric) =>
        metric.dataPoints.map((point) => ({
          name: metric.descriptor.name,
          unit: metric.descriptor.unit,
          value: point.value as number,
          attributes: point.attributes,
        })),
      ),
    );
  }

  /** Exposition text without target_info and scope labels, so sample lines can be compared whole. */
  async prometheusText(): Promise<string> {
    return new PrometheusSerializer(undefined, false, undefined, true, true).serialize(await this.collect());
  }

  /** Only the sample lines of prometheusText(). */
  async prometheusSamples(): Promise<string[]> {
    return (await this.prometheusText()).split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  }

  shutdown(): Promise<void> {
    return this.provider.shutdown();
  }

  private async collect(): Promise<ResourceMetrics> {
    const { resourceMetrics, errors } = await this.reader.collect();
    if (errors.length > 0) throw new AggregateError(errors, 'metric collection failed');
    return resourceMetrics;
  }
}
