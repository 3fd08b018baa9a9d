// One real SDK pipeline for the metrics tests: a TracerProvider whose sampler always records (as the
// agent's does) with the metrics span processor and an in-memory exporter, and a MeterProvider read
// by the agent's pull reader with the LLM metrics' producer, as the agent's push readers take them
// (and, when a test gives one, by a Prometheus endpoint serving the same instruments). Model-call
// spans are made the way the recorder makes them.
import { SpanKind, SpanStatusCode, type Attributes, type SpanContext } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, type MetricData, type MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import type { PrometheusEndpoint } from '../../agent/metrics/endpoint.js';
import {
  createAlwaysRecordSampler,
  InMemorySpanExporter,
  SamplingDecision,
  SimpleSpanProcessor,
  TracerProvider,
  type ReadableSpan,
  type Sampler,
} from '@opentelemetry/sdk-trace';
import { createLlmMetrics, type LlmMetrics } from '../../agent/metrics/llm-metrics.js';
import { DEFAULT_METRICS_OPTIONS, type LlmMetricsOptions } from '../../agent/metrics/options.js';
import type { CallSink } from '../../agent/metrics/call-sink.js';
import { PullMetricReader } from '../../agent/metrics/reader.js';
import type { CallRecorder } from '../../agent/metrics/recorder.js';
import { LlmMetricsSpanProcessor } from '../../agent/metrics/span-processor.js';
import * as semconv from '../../agent/semconv.js';

/** Start attribute the test sampler reads: true drops the trace (recorded, not sampled). */
const DROP = 'test.drop';

/** Samples everything except spans started with test.drop=true; the wrapper still records those. */
const dropMarked: Sampler = {
  shouldSample: (_context, _traceId, _name, _kind, attributes) => ({
    decision: attributes[DROP] === true ? SamplingDecision.NOT_RECORD : SamplingDecision.RECORD_AND_SAMPLED,
  }),
  toString: () => 'DropMarked',
};

export interface ModelCall {
  sampled?: boolean;
  requestModel?: string;
  responseModel?: string;
  provider?: string;
  operation?: string;
  durationS?: number;
  firstChunkS?: number;
  meanChunkS?: number;
  chunkCount?: number;
  inputTokens?: number;
  outputTokens?: number;
  errorType?: string;
  /** Scope of the tracer; the model-call scope unless a test says otherwise. */
  scope?: string;
  /** The request model becomes known only after the span started (fetch sends its body later). */
  requestModelLate?: boolean;
}

export interface Harness {
  llm: LlmMetrics;
  reader: MetricReader;
  meterProvider: MeterProvider;
  warnings: string[];
  spans: () => ReadableSpan[];
  call(call?: ModelCall): SpanContext;
  /** Starts a call and returns its end, to observe in-flight state. */
  start(call?: ModelCall): () => SpanContext;
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

/**
 * `endpoint`: a Prometheus endpoint that reads the same MeterProvider and serves the instruments.
 * `route`: the spans' metrics go to this sink instead of straight to the recorder, as a worker's do
 * (a forwarder whose messages a receiver feeds to `recorder`).
 */
export function createHarness(
  overrides: Partial<LlmMetricsOptions> = {},
  endpoint?: PrometheusEndpoint,
  route?: (recorder: CallRecorder) => CallSink,
): Harness {
  const warnings: string[] = [];
  const resource = resourceFromAttributes({ 'service.name': 'checkout' });
  const llm = createLlmMetrics({ ...DEFAULT_METRICS_OPTIONS, ...overrides }, { warn: (message) => warnings.push(message) });
  const reader = new PullMetricReader(() => Promise.resolve(), { metricProducers: [llm.producer] });
  const meterProvider = new MeterProvider({ resource, readers: endpoint ? [reader, endpoint.reader] : [reader] });
  endpoint?.serveLlmMetrics(llm.instruments);
  const processor = route ? new LlmMetricsSpanProcessor(route(llm.recorder)) : llm.spanProcessor;
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    resource,
    sampler: createAlwaysRecordSampler(dropMarked),
    spanProcessors: [processor, new SimpleSpanProcessor({ exporter })],
  });

  const start = (call: ModelCall = {}): (() => SpanContext) => {
    const tracer = tracerProvider.getTracer(call.scope ?? semconv.MODEL_CALL_SCOPE);
    const startMs = Date.now() - (call.durationS ?? 1) * 1000;
    const startAttributes: Attributes = {
      [semconv.GEN_AI_OPERATION_NAME]: call.operation ?? 'chat',
      [semconv.GEN_AI_PROVIDER_NAME]: call.provider ?? 'openai',
      [semconv.SERVER_ADDRESS]: 'api.openai.com',
      [semconv.SERVER_PORT]: 443,
      [DROP]: call.sampled === false,
    };
    if (call.requestModel !== undefined && !call.requestModelLate) startAttributes[semconv.GEN_AI_REQUEST_MODEL] = call.requestModel;
    const span = tracer.startSpan('chat', { kind: SpanKind.CLIENT, attributes: startAttributes, startTime: millisToHrTime(startMs) });
    if (call.requestModelLate && call.requestModel !== undefined) {
      span.setAttribute(semconv.GEN_AI_REQUEST_MODEL, call.requestModel);
      processor.requestKnown(span);
    }
    return () => {
      const end: Attributes = {
        [semconv.GEN_AI_RESPONSE_MODEL]: call.responseModel,
        [semconv.GEN_AI_USAGE_INPUT_TOKENS]: call.inputTokens,
        [semconv.GEN_AI_USAGE_OUTPUT_TOKENS]: call.outputTokens,
        [semconv.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK]: call.firstChunkS,
        [semconv.LLM_TIME_PER_OUTPUT_CHUNK_MEAN]: call.meanChunkS,
        [semconv.LLM_TIME_PER_OUTPUT_CHUNK_MAX]: call.meanChunkS,
        [semconv.LLM_RESPONSE_CHUNK_COUNT]: call.chunkCount,
        [semconv.ERROR_TYPE]: call.errorType,
      };
      for (const [key, value] of Object.entries(end)) if (value !== undefined) span.setAttribute(key, value);
      if (call.errorType !== undefined) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end(millisToHrTime(startMs + (call.durationS ?? 1) * 1000));
      return span.spanContext();
    };
  };

  return {
    llm,
    reader,
    meterProvider,
    warnings,
    spans: () => exporter.getFinishedSpans(),
    start,
    call: (call) => start(call)(),
    collect: async () => (await reader.collect()).resourceMetrics,
    shutdown: async () => {
      await tracerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** A typical streamed chat call; override what the test is about. */
export function streamedCall(overrides: ModelCall = {}): ModelCall {
  return {
    requestModel: 'gpt-4o',
    responseModel: 'gpt-4o-2024-08-06',
    durationS: 1.5,
    firstChunkS: 0.15,
    meanChunkS: 0.02,
    chunkCount: 40,
    inputTokens: 12,
    outputTokens: 40,
    ...overrides,
  };
}

/** Every collected metric with this instrument name, across scopes. */
export function metricNamed(resourceMetrics: ResourceMetrics, name: string): MetricData | undefined {
  for (const scope of resourceMetrics.scopeMetrics) for (const metric of scope.metrics) if (metric.descriptor.name === name) return metric;
  return undefined;
}

/** Sum of a counter's or gauge's points, or of a histogram's counts. */
export function total(metric: MetricData | undefined): number {
  if (!metric) return 0;
  let sum = 0;
  for (const point of metric.dataPoints) sum += typeof point.value === 'number' ? point.value : 'count' in point.value ? point.value.count : 0;
  return sum;
}
