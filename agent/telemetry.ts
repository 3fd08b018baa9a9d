// The agent's metrics, as one component the assembly (sdk.ts) creates from the configuration: the
// span-derived LLM metrics with exemplars (a span processor), the readers (the /metrics endpoint,
// an OTLP or console push), and the GPU poller. The assembly hands it the MeterProvider built over
// its readers, tells it when the recorder learns a call's request late, and shuts it down.
//
// A service is one process to its operators, however many threads and cluster workers it runs: one
// /metrics endpoint, one set of counts, one GPU poller. So where this agent runs decides its part:
// - the main thread of a process (not a cluster worker): records its own calls and those its worker
//   threads and cluster workers send (metrics/remote/), serves them, polls the GPUs;
// - a worker thread whose main thread runs the agent: forwards its calls to the main thread, and has
//   no reader, no endpoint and no poller of its own;
// - a cluster worker's main thread: forwards its calls (and its worker threads') to the primary once
//   the primary's agent answers; when none does, serves them itself on OTEL_EXPORTER_PROMETHEUS_PORT +
//   its worker id, and says so once;
// - a worker thread whose main thread runs no agent: on its own, as a process would be.
import type { Span } from '@opentelemetry/api';
import type { IMetricReader, MeterProvider } from '@opentelemetry/sdk-metrics';
import { ConsoleMetricExporter, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { AgentConfig } from './config.js';
import { exportAgent } from './export-connections.js';
import { loadEsm } from './load-esm.js';
import { describe, guard, log } from './log.js';
import { startGpuPoller, type GpuPoller } from './metrics/gpu/index.js';
import { forgetUnobservedGauges } from './metrics/gpu/temporality.js';
import {
  acceptClusterWorkers,
  acceptWorkerThreads,
  clusterWorkerId,
  connectToMainThread,
  connectToPrimary,
  createLlmMetrics,
  createPrometheusEndpoint,
  ExemplarPreselect,
  Forwarder,
  isClusterWorker,
  LlmMetricsSpanProcessor,
  PeerReceiver,
  type LlmMetrics,
  type PrometheusEndpoint,
  type WorkerThreadsAcceptor,
} from './metrics/index.js';
import { MODEL_CALL_SCOPE } from './semconv.js';
import { AGENT_VERSION } from './version.js';
import { isMainThread, type MainThreadAgent } from './worker-threads.js';

/** This agent's part in the metrics of its process (see the top of the file). */
type Role = 'main' | 'thread' | 'cluster-worker' | 'alone';

export class AgentMetrics {
  /** For the TracerProvider; absent when no metrics exporter is configured. */
  readonly spanProcessor: LlmMetricsSpanProcessor | undefined;
  /** For the MeterProvider; empty when no metrics exporter is configured. */
  readonly readers: IMetricReader[] = [];
  /** Whether this thread records the model calls of worker threads created from it (main thread only). */
  readonly recordsWorkerCalls: boolean = false;
  private readonly role: Role;
  private readonly llm: LlmMetrics | undefined;
  private readonly endpoint: PrometheusEndpoint | undefined;
  /** Set where this agent's calls are recorded elsewhere (a worker thread, a cluster worker). */
  private readonly forwarder: Forwarder | undefined;
  /** Where /metrics is served; undefined while a cluster worker waits for its primary's answer. */
  private metricsPort: number | undefined;
  private poller: GpuPoller | undefined;
  /** The main thread's end of its worker threads' channels (also when its metrics are off: it asks them to flush). */
  private threads: WorkerThreadsAcceptor | undefined;
  private readonly stops: Array<() => void> = [];

  /** `mainThread`: in a worker thread, what the main thread's agent shared (worker-threads.ts). */
  constructor(
    private readonly config: AgentConfig,
    mainThread: MainThreadAgent | undefined,
  ) {
    this.role = isMainThread ? (isClusterWorker() ? 'cluster-worker' : 'main') : mainThread ? 'thread' : 'alone';
    const exporters = config.metricsExporters.filter((name) => name !== 'none');
    if (this.role === 'thread') {
      // The main thread's configuration decides for the process; this worker's readers would export
      // the same resource a second time, so it has none.
      if (mainThread?.recordsWorkerCalls && exporters.length > 0) {
        this.forwarder = this.createForwarder();
        this.spanProcessor = new LlmMetricsSpanProcessor(this.forwarder);
      }
      return;
    }
    if (exporters.length === 0) return;
    this.llm = createLlmMetrics(config.metrics, log);
    this.recordsWorkerCalls = this.role !== 'alone';
    if (this.role === 'cluster-worker') {
      this.forwarder = this.createForwarder();
      this.spanProcessor = new LlmMetricsSpanProcessor(this.forwarder);
    } else {
      this.spanProcessor = this.llm.spanProcessor;
    }
    if (exporters.includes('prometheus')) {
      const deferListen = this.role === 'cluster-worker';
      this.endpoint = createPrometheusEndpoint(
        { host: config.prometheusHost, port: config.prometheusPort, deferListen },
        log,
      );
      if (!deferListen) this.metricsPort = config.prometheusPort;
      this.endpoint.serveLlmMetrics(this.llm.instruments);
      this.readers.push(this.endpoint.reader);
    }
    for (const name of exporters) {
      if (name === 'otlp' || name === 'console') {
        this.readers.push(
          new PeriodicExportingMetricReader({
            exporter: withGaugeTemporality(pushExporter(name, config)),
            exportIntervalMillis: config.metricExportIntervalMs,
            metricProducers: [this.llm.producer],
          }),
        );
      }
    }
  }

  /**
   * Given the MeterProvider built over `readers` (none in a worker thread), connects this agent to the one that records for it or opens it to those it records for, and
   * starts the GPU poller where this agent is the one to poll. `flushSpans`: this thread's span
   * export, which the main thread's agent asks a worker's for when it shuts down.
   */
  start(meterProvider: MeterProvider | undefined, flushSpans: () => Promise<void>): void {
    if (this.role === 'thread') {
      connectToMainThread(this.forwarder, flushSpans, (err) => log.debug(`the channel to the main thread's agent failed: ${describe(err)}`));
      return;
    }
    if (this.role !== 'alone') {
      this.threads = acceptWorkerThreads(this.forwarder ?? this.llm?.recorder);
      this.stops.push(this.threads.stop);
    }
    if (!this.llm || !meterProvider) return;
    if (this.role === 'alone') return this.startPoller(meterProvider);
    if (this.role === 'main') {
      this.stops.push(acceptClusterWorkers(this.llm.recorder));
      this.startPoller(meterProvider);
    } else if (this.forwarder) {
      const forwarder = this.forwarder;
      this.stops.push(connectToPrimary(forwarder, () => guard('metrics.noPrimary', () => this.serveAlone(forwarder, meterProvider))));
    }
  }

  /** The recorder read a model call's request after its span started (fetch sends the body later). */
  requestKnown(span: Span): void {
    this.spanProcessor?.requestKnown(span);
  }

  /** Whether a request that arrived on `port` is a scrape of this agent's /metrics. */
  servesMetricsOn(port: number | undefined): boolean {
    return port !== undefined && port === this.metricsPort;
  }

  async shutdown(): Promise<void> {
    for (const stop of this.stops.splice(0)) stop();
    this.poller?.stop();
    await Promise.all([this.endpoint?.close(), this.threads?.flushWorkers()]);
  }

  private createForwarder(): Forwarder {
    return new Forwarder(new ExemplarPreselect(this.config.metrics), () =>
      log.warn('model calls ended faster than they could be handed to the recording side; some are not counted'),
    );
  }

  /** A cluster worker whose primary runs no agent: its calls are recorded and served here. */
  private serveAlone(forwarder: Forwarder, meterProvider: MeterProvider): void {
    const receiver = new PeerReceiver(this.llm!.recorder);
    forwarder.connect((message) => receiver.receive(message));
    if (this.endpoint) {
      const { prometheusHost: host, prometheusPort: base } = this.config;
      const id = clusterWorkerId();
      const port = base === 0 ? 0 : base + id;
      if (port > 65535) {
        log.warn(`cluster worker ${id}: the primary process runs no agent, and port ${base} + ${id} is beyond 65535; the /metrics endpoint is off`);
      } else {
        log.info(
          `cluster worker ${id}: the primary process runs no agent, so this worker serves its own /metrics on ${host}:${port} ` +
            '(OTEL_EXPORTER_PROMETHEUS_PORT + the worker id)',
        );
        this.metricsPort = port;
        this.endpoint.listen(port);
      }
    }
    this.startPoller(meterProvider);
  }

  private startPoller(meterProvider: MeterProvider): void {
    const gpu = this.config.gpu;
    if (gpu.intervalSeconds > 0) {
      this.poller = startGpuPoller(meterProvider.getMeter(MODEL_CALL_SCOPE, AGENT_VERSION), { ...gpu, naming: this.config.metrics.naming }, log);
    }
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
