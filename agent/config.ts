// Every environment variable the agent reads, read and validated here once. A bad value gives
// exactly one warning naming the variable, the value and the default used, and the agent carries on
// with that default. The README's configuration table mirrors this file.
import { DiagLogLevel } from '@opentelemetry/api';
import { EnvReader, type Env, type WarnBadValue } from './env-reader.js';
import { metricsOptionsFromEnv, type LlmMetricsOptions } from './metrics/options.js';

export { EnvReader, type Env, type WarnBadValue };

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export type OtlpProtocol = 'http/protobuf' | 'http/json';
export type TracesExporterName = 'otlp' | 'console' | 'none';
export type MetricsExporterName = 'prometheus' | 'otlp' | 'console' | 'none';
export type PropagatorName = 'tracecontext' | 'baggage' | 'none';

export interface AgentConfig {
  disabled: boolean;
  logLevel: DiagLogLevel;
  tracesExporters: TracesExporterName[];
  otlpTracesUrl: string;
  otlpTracesProtocol: OtlpProtocol;
  otlpMetricsUrl: string;
  otlpMetricsProtocol: OtlpProtocol;
  metricExportIntervalMs: number;
  sampler: SamplerName;
  /** Ratio for the traceidratio samplers, in [0, 1]. */
  samplerRatio: number;
  propagators: PropagatorName[];
  metricsExporters: MetricsExporterName[];
  prometheusHost: string;
  prometheusPort: number;
  /** Record prompts and completions (off by default: they are user data). */
  captureMessageContent: boolean;
  /** Longest captured text, in characters, before truncation. */
  captureMaxLength: number;
  /** Add stream_options.include_usage to OpenAI-compatible streaming requests. */
  streamIncludeUsage: boolean;
  shutdownTimeoutMs: number;
  /** The batch span processor's options (OTEL_BSP_*): the SDK 3.x line reads none of them itself. */
  batchSpanProcessor: BatchSpanProcessorConfig;
  /** Trace inbound and plain outbound HTTP (not only model calls). */
  httpInstrumentation: boolean;
  /** LLM_OTEL_METRICS_NAMING, LLM_OTEL_MAX_SERIES, LLM_OTEL_BUCKETS_* (read by metrics/options.ts). */
  metrics: LlmMetricsOptions;
  gpu: GpuConfig;
  env: Env;
}

/** Named as BatchSpanProcessor's constructor options, so the object is passed as is. */
export interface BatchSpanProcessorConfig {
  scheduledDelayMillis: number;
  /** Spans held while the collector is slow or down; past it new spans are dropped, so memory stays bounded. */
  maxQueueSize: number;
  maxExportBatchSize: number;
  exportTimeoutMillis: number;
}

export interface GpuConfig {
  /** Seconds between nvidia-smi polls; 0 turns the poller off. */
  intervalSeconds: number;
  binary: string;
  timeoutSeconds: number;
}

const LOG_LEVELS: Record<string, DiagLogLevel> = {
  none: DiagLogLevel.NONE,
  error: DiagLogLevel.ERROR,
  warn: DiagLogLevel.WARN,
  info: DiagLogLevel.INFO,
  debug: DiagLogLevel.DEBUG,
  verbose: DiagLogLevel.VERBOSE,
  all: DiagLogLevel.ALL,
};

export function formatBadValue(variable: string, value: string, defaultUsed: string, reason: string): string {
  return `invalid ${variable}=${JSON.stringify(value)} (${reason}); using the default ${JSON.stringify(defaultUsed)}`;
}

/** OTEL_BSP_*, with the specification's defaults; a batch larger than the queue is cut to the queue. */
function batchSpanProcessorOf(read: EnvReader): BatchSpanProcessorConfig {
  const maxQueueSize = read.number('OTEL_BSP_MAX_QUEUE_SIZE', 2048, { min: 1, integer: true });
  let maxExportBatchSize = read.number('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', Math.min(512, maxQueueSize), { min: 1, integer: true });
  if (maxExportBatchSize > maxQueueSize) {
    read.reportBad('OTEL_BSP_MAX_EXPORT_BATCH_SIZE', String(maxExportBatchSize), String(maxQueueSize), 'larger than OTEL_BSP_MAX_QUEUE_SIZE');
    maxExportBatchSize = maxQueueSize;
  }
  return {
    // setTimeout overflows past 2^31 ms; both delays are far below that in any sane setting.
    scheduledDelayMillis: read.number('OTEL_BSP_SCHEDULE_DELAY', 5000, { min: 0, max: 2 ** 31 - 1, integer: true }),
    maxQueueSize,
    maxExportBatchSize,
    exportTimeoutMillis: read.number('OTEL_BSP_EXPORT_TIMEOUT', 30_000, { min: 1, max: 2 ** 31 - 1, integer: true }),
  };
}

function protocolOf(read: EnvReader, signalVariable: string): OtlpProtocol {
  const general = read.raw('OTEL_EXPORTER_OTLP_PROTOCOL');
  const name = read.raw(signalVariable) !== undefined ? signalVariable : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  if (name === 'OTEL_EXPORTER_OTLP_PROTOCOL' && general === undefined) return 'http/protobuf';
  // grpc is a valid OTLP protocol, but the agent ships only the HTTP exporters to stay small.
  return read.oneOf<OtlpProtocol>(name, ['http/protobuf', 'http/json'], 'http/protobuf');
}

/** Per the OTLP exporter spec: a signal-specific endpoint is used as is; the general one gets /v1/<signal>. */
function signalUrl(read: EnvReader, signalVariable: string, signalPath: string): string {
  const base = read.url('OTEL_EXPORTER_OTLP_ENDPOINT', 'http://localhost:4318');
  const fallback = `${base.replace(/\/+$/, '')}/${signalPath}`;
  return read.url(signalVariable, fallback);
}

export function readConfig(env: Env, warn: WarnBadValue): AgentConfig {
  const read = new EnvReader(env, warn);
  const sampler = read.oneOf('OTEL_TRACES_SAMPLER', SAMPLERS, 'parentbased_always_on');
  const usesRatio = sampler === 'traceidratio' || sampler === 'parentbased_traceidratio';
  return {
    disabled: read.bool('OTEL_SDK_DISABLED', false),
    logLevel: LOG_LEVELS[read.oneOf('OTEL_LOG_LEVEL', Object.keys(LOG_LEVELS), 'info')]!,
    tracesExporters: read.listOf<TracesExporterName>('OTEL_TRACES_EXPORTER', ['otlp', 'console', 'none'], ['otlp']),
    otlpTracesUrl: signalUrl(read, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'v1/traces'),
    otlpTracesProtocol: protocolOf(read, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'),
    otlpMetricsUrl: signalUrl(read, 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', 'v1/metrics'),
    otlpMetricsProtocol: protocolOf(read, 'OTEL_EXPORTER_OTLP_METRICS_PROTOCOL'),
    metricExportIntervalMs: read.number('OTEL_METRIC_EXPORT_INTERVAL', 60_000, { min: 100, integer: true }),
    sampler,
    // The spec says the argument is ignored by samplers that take none, so it is only checked when used.
    samplerRatio: usesRatio ? read.number('OTEL_TRACES_SAMPLER_ARG', 1, { min: 0, max: 1 }) : 1,
    propagators: read.listOf<PropagatorName>('OTEL_PROPAGATORS', ['tracecontext', 'baggage', 'none'], ['tracecontext', 'baggage']),
    metricsExporters: read.listOf<MetricsExporterName>('OTEL_METRICS_EXPORTER', ['prometheus', 'otlp', 'console', 'none'], ['prometheus']),
    prometheusHost: read.raw('OTEL_EXPORTER_PROMETHEUS_HOST') ?? 'localhost',
    prometheusPort: read.number('OTEL_EXPORTER_PROMETHEUS_PORT', 9464, { min: 0, max: 65535, integer: true }),
    captureMessageContent: read.bool('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', false),
    captureMaxLength: read.number('LLM_OTEL_CAPTURE_MAX_LENGTH', 8192, { min: 1, integer: true }),
    streamIncludeUsage: read.bool('LLM_OTEL_STREAM_INCLUDE_USAGE', false),
    shutdownTimeoutMs: read.number('LLM_OTEL_SHUTDOWN_TIMEOUT_MS', 3000, { min: 0, max: 60_000, integer: true }),
    batchSpanProcessor: batchSpanProcessorOf(read),
    httpInstrumentation: read.bool('LLM_OTEL_HTTP_INSTRUMENTATION', true),
    metrics: metricsOptionsFromEnv(env, warn),
    gpu: {
      // setInterval overflows past 2^31 ms (about 24 days); a day is plenty for a poll interval.
      intervalSeconds: read.number('LLM_OTEL_GPU_INTERVAL', 15, { min: 0, max: 86_400 }),
      binary: read.raw('LLM_OTEL_GPU_NVIDIA_SMI') ?? 'nvidia-smi',
      timeoutSeconds: read.number('LLM_OTEL_GPU_TIMEOUT', 5, { min: 0.05, max: 600 }),
    },
    env,
  };
}
