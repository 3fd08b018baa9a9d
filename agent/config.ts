// The agent's configuration, built from the one table of its environment variables
// (config/variables.ts), which reads and validates each variable once. A bad value gives exactly one
// warning naming the variable, the value and the default used, and the agent carries on with that
// default. The README's configuration table mirrors the variables table (a test holds them equal).
import { DiagLogLevel } from '@opentelemetry/api';
import { EnvReader, type Env, type WarnBadValue } from './env-reader.js';
import { DEFAULT_METRICS_OPTIONS, type LlmMetricsOptions } from './metrics/options.js';
import type { ModelServer } from './providers/model-servers.js';
import type { GenAiConventions } from './semconv.js';
import {
  resolveVariables,
  type LogLevelName,
  type MetricsExporterName,
  type OtlpProtocol,
  type PropagatorName,
  type Resolution,
  type SamplerName,
  type TracesExporterName,
} from './config/variables.js';

export { EnvReader, type Env, type WarnBadValue };
export {
  SAMPLERS,
  type SamplerName,
  type OtlpProtocol,
  type TracesExporterName,
  type MetricsExporterName,
  type PropagatorName,
} from './config/variables.js';

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
  /** The GenAI names the agent writes: v1.41's, or the newer ones (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental). */
  genAiConventions: GenAiConventions;
  /** Longest captured text, in characters, before truncation. */
  captureMaxLength: number;
  /** Add stream_options.include_usage to OpenAI-compatible streaming requests. */
  streamIncludeUsage: boolean;
  /** A stream with no byte for this long is ended as abandoned (LLM_OTEL_STREAM_IDLE_TIMEOUT_MS). */
  streamIdleTimeoutMs: number;
  /** Model servers declared by origin and API (LLM_OTEL_MODEL_SERVERS). */
  modelServers: ModelServer[];
  shutdownTimeoutMs: number;
  /** The batch span processor's options (OTEL_BSP_*): the SDK 3.x line reads none of them itself. */
  batchSpanProcessor: BatchSpanProcessorConfig;
  /** Trace inbound and plain outbound HTTP (not only model calls). */
  httpInstrumentation: boolean;
  /** LLM_OTEL_METRICS_NAMING, LLM_OTEL_MAX_SERIES, LLM_OTEL_BUCKETS_*. */
  metrics: LlmMetricsOptions;
  gpu: GpuConfig;
  /** LLM_OTEL_TEST_FAULT: `start` makes start-up fail (tests of "the agent fails, the service runs"). */
  testFault: 'start' | undefined;
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

const LOG_LEVELS: Record<LogLevelName, DiagLogLevel> = {
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

export function readConfig(env: Env, warn: WarnBadValue): AgentConfig {
  return resolveConfig(env, warn).config;
}

/** The configuration, and the table's rows it came from (for `doctor`). */
export function resolveConfig(env: Env, warn: WarnBadValue): { config: AgentConfig; variables: Resolution } {
  const variables = resolveVariables(env, warn);
  const v = variables.values;
  const config: AgentConfig = {
    disabled: v.OTEL_SDK_DISABLED,
    logLevel: LOG_LEVELS[v.OTEL_LOG_LEVEL],
    tracesExporters: v.OTEL_TRACES_EXPORTER,
    otlpTracesUrl: v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
    otlpTracesProtocol: v.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL,
    otlpMetricsUrl: v.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT,
    otlpMetricsProtocol: v.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL,
    metricExportIntervalMs: v.OTEL_METRIC_EXPORT_INTERVAL,
    sampler: v.OTEL_TRACES_SAMPLER,
    samplerRatio: v.OTEL_TRACES_SAMPLER_ARG,
    propagators: v.OTEL_PROPAGATORS,
    metricsExporters: v.OTEL_METRICS_EXPORTER,
    prometheusHost: v.OTEL_EXPORTER_PROMETHEUS_HOST,
    prometheusPort: v.OTEL_EXPORTER_PROMETHEUS_PORT,
    captureMessageContent: v.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
    genAiConventions: v.OTEL_SEMCONV_STABILITY_OPT_IN,
    captureMaxLength: v.LLM_OTEL_CAPTURE_MAX_LENGTH,
    streamIncludeUsage: v.LLM_OTEL_STREAM_INCLUDE_USAGE,
    streamIdleTimeoutMs: v.LLM_OTEL_STREAM_IDLE_TIMEOUT_MS,
    modelServers: v.LLM_OTEL_MODEL_SERVERS,
    shutdownTimeoutMs: v.LLM_OTEL_SHUTDOWN_TIMEOUT_MS,
    batchSpanProcessor: {
      scheduledDelayMillis: v.OTEL_BSP_SCHEDULE_DELAY,
      maxQueueSize: v.OTEL_BSP_MAX_QUEUE_SIZE,
      maxExportBatchSize: v.OTEL_BSP_MAX_EXPORT_BATCH_SIZE,
      exportTimeoutMillis: v.OTEL_BSP_EXPORT_TIMEOUT,
    },
    httpInstrumentation: v.LLM_OTEL_HTTP_INSTRUMENTATION,
    metrics: {
      ...DEFAULT_METRICS_OPTIONS,
      naming: v.LLM_OTEL_METRICS_NAMING,
      conventions: v.OTEL_SEMCONV_STABILITY_OPT_IN,
      maxSeries: v.LLM_OTEL_MAX_SERIES,
      buckets: {
        ...DEFAULT_METRICS_OPTIONS.buckets,
        firstToken: v.LLM_OTEL_BUCKETS_FIRST_TOKEN,
        generation: v.LLM_OTEL_BUCKETS_GENERATION,
        timePerToken: v.LLM_OTEL_BUCKETS_TIME_PER_TOKEN,
      },
    },
    gpu: {
      intervalSeconds: v.LLM_OTEL_GPU_INTERVAL,
      binary: v.LLM_OTEL_GPU_NVIDIA_SMI,
      timeoutSeconds: v.LLM_OTEL_GPU_TIMEOUT,
    },
    testFault: v.LLM_OTEL_TEST_FAULT,
    env,
  };
  return { config, variables };
}
