// Assembles OpenTelemetry from its parts: tracer provider with the agent's sampler, span processors
// (URL redaction, the metrics component's, then export), meter provider over the metrics
// component's readers (telemetry.ts), propagators, context manager, HTTP/undici instrumentations for
// non-model traffic, and the model-call taps. The parts
// are loaded by what the configuration uses: @opentelemetry/sdk-node would load every exporter it
// knows at import (about 0.5 s more start-up on our machines).
import { context, metrics, propagation, trace, type TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import {
  defaultResource,
  detectResources,
  envDetector,
  processDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  type Resource,
} from '@opentelemetry/resources';
import { hostname } from 'node:os';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, ConsoleSpanExporter, TracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import type { AgentConfig } from './config.js';
import { abandonExportConnections, exportAgent } from './export-connections.js';
import { loadEsm } from './load-esm.js';
import { log } from './log.js';
import { recognise } from './providers/table.js';
import { declareModelServers } from './providers/model-servers.js';
import { RecordModelCallsSampler, samplerFromConfig } from './sampling.js';
import { RedactUrlsProcessor } from './spans/redact.js';
import { MODEL_CALL_SCOPE } from './semconv.js';
import { startFetchTap, type FetchTap } from './transport/fetch-tap.js';
import { startHttpTap } from './transport/http-tap.js';
import { startHttp2Tap } from './transport/http2-tap.js';
import { requestTarget } from './transport/request-target.js';
import { installFetchStreamUsage } from './transport/stream-usage.js';
import { ModelCalls } from './transport/model-calls.js';
import type { AgentMetrics } from './telemetry.js';
import { AGENT_VERSION } from './version.js';
import { isMainThread, shareWithWorkerThreads, ThreadAttributesProcessor, type MainThreadAgent } from './worker-threads.js';

export interface RunningAgent {
  config: AgentConfig;
  tracerProvider: TracerProvider;
  meterProvider: MeterProvider | undefined;
  modelCalls: ModelCalls;
  /** Ends open model calls, flushes and stops everything within the configured time; true if that time ran out. */
  shutdown(): Promise<boolean>;
}

/**
 * `mainThread`: in a worker thread, what the main thread's agent shared (worker-threads.ts): the
 * worker's spans then belong to the process's resource, and carry thread.id and thread.name.
 */
export function startSdk(config: AgentConfig, agentMetrics: AgentMetrics, mainThread: MainThreadAgent | undefined): RunningAgent {
  const resource = mainThread ? resourceFromAttributes(mainThread.resource) : agentResource();
  if (isMainThread) shareWithWorkerThreads({ resource: resource.attributes, recordsWorkerCalls: agentMetrics.recordsWorkerCalls });

  const spanProcessors: SpanProcessor[] = [new RedactUrlsProcessor()];
  if (!isMainThread) spanProcessors.push(new ThreadAttributesProcessor());
  if (agentMetrics.spanProcessor) spanProcessors.push(agentMetrics.spanProcessor);
  for (const exporter of traceExporters(config)) {
    spanProcessors.push(new BatchSpanProcessor({ exporter, ...config.batchSpanProcessor }));
  }
  const tracerProvider = new TracerProvider({
    resource,
    sampler: new RecordModelCallsSampler(samplerFromConfig(config.sampler, config.samplerRatio)),
    spanProcessors,
  });

  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(propagatorFromConfig(config));
  trace.setGlobalTracerProvider(tracerProvider);

  let meterProvider: MeterProvider | undefined;
  if (agentMetrics.readers.length > 0) {
    meterProvider = new MeterProvider({ resource, readers: agentMetrics.readers });
    metrics.setGlobalMeterProvider(meterProvider);
  }
  agentMetrics.start(meterProvider, () => tracerProvider.forceFlush());

  declareModelServers(config.modelServers);
  const modelCalls = new ModelCalls(tracerProvider.getTracer(MODEL_CALL_SCOPE, AGENT_VERSION), {
    captureContent: config.captureMessageContent,
    captureMaxLength: config.captureMaxLength,
    conventions: config.genAiConventions,
    idleTimeoutMs: config.streamIdleTimeoutMs,
    streamIncludeUsage: config.streamIncludeUsage,
    onRequestKnown: (span) => agentMetrics.requestKnown(span),
  });
  const fetchTap = startFetchTap(modelCalls);
  // node:http2 is not traced by the HTTP instrumentation, so its model calls are never doubled.
  const stopTaps = [() => fetchTap.stop(), startHttpTap(modelCalls), startHttp2Tap(modelCalls)];
  if (config.streamIncludeUsage) stopTaps.push(installFetchStreamUsage());

  if (config.httpInstrumentation) {
    registerInstrumentations({ instrumentations: httpInstrumentations(fetchTap, agentMetrics), tracerProvider, meterProvider });
  }

  let stopping: Promise<boolean> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      for (const stop of stopTaps) stop();
      modelCalls.endAll();
      const work = Promise.allSettled([
        tracerProvider.shutdown(),
        meterProvider?.shutdown(),
        agentMetrics.shutdown(),
      ]);
      const timedOut = await withTimeout(work, config.shutdownTimeoutMs);
      if (timedOut) abandonExportConnections();
      return timedOut;
    })());

  return { config, tracerProvider, meterProvider, modelCalls, shutdown };
}

/**
 * Resource attributes that are all known synchronously. The host detector's host.id is read
 * asynchronously, and any read of the resource before it settles (the metrics processor reads
 * service.name on the first model call) logs an SDK error; host.name and host.arch are enough.
 */
function agentResource(): Resource {
  const host = resourceFromAttributes({ 'host.name': hostname(), 'host.arch': hostArch() });
  return defaultResource()
    .merge(host)
    .merge(detectResources({ detectors: [processDetector, serviceInstanceIdDetector, envDetector] }));
}

/** host.arch as the semantic conventions spell it. */
function hostArch(): string {
  const arch = process.arch;
  return arch === 'x64' ? 'amd64' : arch === 'ia32' ? 'x86' : arch;
}

function traceExporters(config: AgentConfig): SpanExporter[] {
  const exporters: SpanExporter[] = [];
  for (const name of config.tracesExporters) {
    if (name === 'console') exporters.push(new ConsoleSpanExporter());
    if (name === 'otlp') {
      // Literal specifiers: the preload bundle (scripts/bundle-preload.mjs) finds loadEsm's modules by them.
      const { OTLPTraceExporter } =
        config.otlpTracesProtocol === 'http/json'
          ? loadEsm<typeof import('@opentelemetry/exporter-trace-otlp-http')>('@opentelemetry/exporter-trace-otlp-http')
          : loadEsm<typeof import('@opentelemetry/exporter-trace-otlp-proto')>('@opentelemetry/exporter-trace-otlp-proto');
      exporters.push(new OTLPTraceExporter({ url: config.otlpTracesUrl, httpAgentOptions: exportAgent }));
    }
  }
  return exporters;
}

function propagatorFromConfig(config: AgentConfig): TextMapPropagator {
  const propagators: TextMapPropagator[] = [];
  if (config.propagators.includes('tracecontext')) propagators.push(new W3CTraceContextPropagator());
  if (config.propagators.includes('baggage')) propagators.push(new W3CBaggagePropagator());
  return new CompositePropagator({ propagators });
}

function httpInstrumentations(fetchTap: FetchTap, agentMetrics: AgentMetrics) {
  const { HttpInstrumentation } = loadEsm<typeof import('@opentelemetry/instrumentation-http')>('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = loadEsm<typeof import('@opentelemetry/instrumentation-undici')>('@opentelemetry/instrumentation-undici');
  // Model requests get the agent's own span; a second, plain HTTP span for them would double it.
  // (instrumentation-http decides from the request options, before the tap sees the request: both
  // read them through the same requestTarget, so they agree.)
  return [
    new HttpInstrumentation({
      ignoreOutgoingRequestHook: (options) =>
        recognise(
          requestTarget({
            method: options.method ?? undefined,
            protocol: options.protocol ?? undefined,
            host: options.hostname ?? options.host ?? undefined,
            port: options.port,
            path: options.path ?? undefined,
          }),
        ) !== undefined,
      // The agent's own /metrics endpoint is scraped every few seconds: not the service's traffic.
      ignoreIncomingRequestHook: (request) => agentMetrics.servesMetricsOn(request.socket?.localPort),
    }),
    new UndiciInstrumentation({ ignoreRequestHook: (request) => fetchTap.isModelCall(request) }),
  ];
}

/** Resolves true when `ms` passed before `work` settled. */
async function withTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      log.warn(`shutdown did not finish within ${ms} ms; pending telemetry was dropped`);
      resolve(true);
    }, ms);
    timer.unref();
  });
  const timedOut = await Promise.race([work.then(() => false), timeout]);
  clearTimeout(timer);
  return timedOut;
}
