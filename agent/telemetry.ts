// What the agent adds to a plain OpenTelemetry set-up, chosen by configuration: the LLM metrics
// derived from model-call spans, the /metrics endpoint or an OTLP metric push, and the GPU poller.
import type { MeterProvider } from '@opentelemetry/sdk-metrics';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { AgentConfig } from './config.js';
import { exportAgent } from './export-connections.js';
import { loadEsm } from './load-esm.js';
import { log } from './log.js';
import { startGpuPoller } from './metrics/gpu/index.js';
import { forgetUnobservedGauges } from './metrics/gpu/temporality.js';
import { createLlmMetrics, createPrometheusEndpoint } from './metrics/index.js';
import type { AgentExtensions } from './sdk.js';
import { MODEL_CALL_SCOPE } from './semconv.js';
import { AGENT_VERSION } from './version.js';

export function agentExtensions(config: AgentConfig): AgentExtensions {
  const extensions: AgentExtensions = { spanProcessors: [], metricReaders: [], onMeterProvider: [], onRequestKnown: [], onShutdown: [] };
  const exporters = config.metricsExporters.filter((name) => name !== 'none');
  if (exporters.length === 0) return extensions;

  const metricsOptions = config.metrics;
  const llm = createLlmMetrics(metricsOptions, log);
  extensions.spanProcessors.push(llm.spanProcessor);
  extensions.onMeterProvider.push((meterProvider) => llm.useMeterProvider(meterProvider));
  extensions.onRequestKnown.push((span) => llm.requestKnown(span));

  if (exporters.includes('prometheus')) {
    const endpoint = createPrometheusEndpoint({ host: config.prometheusHost, port: config.prometheusPort, cardinalityLimit: Math.max(2000, metricsOptions.maxSeries + 1) }, log);
    endpoint.setExemplarSource(llm.exemplars);
    extensions.metricReaders.push(endpoint.reader);
    extensions.onShutdown.push(() => endpoint.close());
  }
  for (const name of exporters) {
    if (name === 'otlp' || name === 'console') {
      extensions.metricReaders.push(
        new PeriodicExportingMetricReader({ exporter: withGaugeTemporality(pushExporter(name, config)), exportIntervalMillis: config.metricExportIntervalMs }),
      );
    }
  }

  const gpu = config.gpu;
  if (gpu.intervalSeconds > 0) {
    extensions.onMeterProvider.push((meterProvider: MeterProvider) => {
      const poller = startGpuPoller(meterProvider.getMeter(MODEL_CALL_SCOPE, AGENT_VERSION), { ...gpu, naming: metricsOptions.naming }, log);
      extensions.onShutdown.push(() => poller.stop());
    });
  }
  return extensions;
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
