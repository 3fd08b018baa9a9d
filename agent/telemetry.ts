// The agent's metrics, as one component the assembly (sdk.ts) creates from the configuration: the
// span-derived LLM metrics with exemplars (a span processor), the readers (the /metrics endpoint,
// an OTLP or console push), and the GPU poller. The assembly hands it the MeterProvider built over
// its readers, tells it when the recorder learns a call's request late, and shuts it down.
import type { Span } from '@opentelemetry/api';
import type { IMetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import type { AgentConfig } from './config.js';
import { exportAgent } from './export-connections.js';
import { loadEsm } from './load-esm.js';
import { log } from './log.js';
import { startGpuPoller, type GpuPoller } from './metrics/gpu/index.js';
import { forgetUnobservedGauges } from './metrics/gpu/temporality.js';
import { createLlmMetrics, createPrometheusEndpoint, type LlmMetrics, type PrometheusEndpoint } from './metrics/index.js';
import { MODEL_CALL_SCOPE } from './semconv.js';
import { AGENT_VERSION } from './version.js';

export class AgentMetrics {
  /** For the TracerProvider; absent when no metrics exporter is configured. */
  readonly spanProcessor: SpanProcessor | undefined;
  /** For the MeterProvider; empty when no metrics exporter is configured. */
  readonly readers: IMetricReader[] = [];
  private readonly llm: LlmMetrics | undefined;
  private readonly endpoint: PrometheusEndpoint | undefined;
  private poller: GpuPoller | undefined;

  constructor(private readonly config: AgentConfig) {
    const exporters = config.metricsExporters.filter((name) => name !== 'none');
    if (exporters.length === 0) return;
    this.llm = createLlmMetrics(config.metrics, log);
    this.spanProcessor = this.llm.spanProcessor;
    if (exporters.includes('prometheus')) {
      this.endpoint = createPrometheusEndpoint(
        { host: config.prometheusHost, port: config.prometheusPort, cardinalityLimit: Math.max(2000, config.metrics.maxSeries + 1) },
        log,
      );
      this.endpoint.setExemplarSource(this.llm.exemplars);
      this.readers.push(this.endpoint.reader);
    }
    for (const name of exporters) {
      if (name === 'otlp' || name === 'console') {
        this.readers.push(
          new PeriodicExportingMetricReader({ exporter: withGaugeTemporality(pushExporter(name, config)), exportIntervalMillis: config.metricExportIntervalMs }),
        );
      }
    }
  }

  /** Creates the instruments on the MeterProvider built over `readers`, and starts the GPU poller. */
  start(meterProvider: MeterProvider): void {
    this.llm?.useMeterProvider(meterProvider);
    const gpu = this.config.gpu;
    if (gpu.intervalSeconds > 0) {
      this.poller = startGpuPoller(meterProvider.getMeter(MODEL_CALL_SCOPE, AGENT_VERSION), { ...gpu, naming: this.config.metrics.naming }, log);
    }
  }

  /** The recorder read a model call's request after its span started (fetch sends the body later). */
  requestKnown(span: Span): void {
    this.llm?.requestKnown(span);
  }

  async shutdown(): Promise<void> {
    this.poller?.stop();
    await this.endpoint?.close();
  }
}

function pushExporter(name: 'otlp' | 'console', config: AgentConfig): PushMetricExporter {
  if (name === 'console') {
    return new ConsoleMetricExporter();
  }
  const { OTLPMetricExporter } =
    config.otlpMetricsProtocol === 'http/json'
      ? loadEsm<typeof import('@opentelemetry/exporter-metrics-otlp-http')>('@opentelemetry/exporter-metrics-otlp-http')
      : loadEsm<typeof import('@opentelemetry/exporter-metrics-otlp-proto')>('@opentelemetry/exporter-metrics-otlp-proto');
  return new OTLPMetricExporter({ url: config.otlpMetricsUrl, httpAgentOptions: exportAgent });
}

/** The push reader takes temporality from its exporter; GPU gauges need delta to forget lost GPUs. */
function withGaugeTemporality(exporter: PushMetricExporter): PushMetricExporter {
  return {
    export: (metrics, done) => exporter.export(metrics, done),
    forceFlush: () => exporter.forceFlush(),
    shutdown: () => exporter.shutdown(),
    selectAggregationTemporality: forgetUnobservedGauges,
    selectAggregation: exporter.selectAggregation?.bind(exporter),
  };
}
