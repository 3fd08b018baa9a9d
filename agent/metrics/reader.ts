// A pull MetricReader: it holds nothing between scrapes; each scrape calls collect(). Shutting the
// MeterProvider down runs the owner's hook (the endpoint closes its server).
import { MetricReader, type MetricReaderOptions } from '@opentelemetry/sdk-metrics';

export class PullMetricReader extends MetricReader {
  constructor(
    private readonly onShutdownHook: () => Promise<void>,
    options?: MetricReaderOptions,
  ) {
    super(options);
  }

  protected override onShutdown(): Promise<void> {
    return this.onShutdownHook();
  }

  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
}
