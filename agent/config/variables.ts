// The one table of every environment variable the agent reads: name, default, how it is read and
// validated, and what it means. config.ts builds the agent's configuration from this table, the
// `doctor` command prints it, and a test holds it to the README's configuration table (same
// variables, same order, same defaults). Each variable is read from the environment exactly once,
// here; nothing else in the agent reads OTEL_* or LLM_OTEL_* variables.
//
// The module is light on purpose (no OpenTelemetry package): the preload entry reads
// OTEL_SDK_DISABLED through it before anything else is loaded.
import { EnvReader, type Env, type WarnBadValue } from '../env-reader.js';
import { DEFAULT_METRICS_OPTIONS } from '../metrics/options.js';
import { NAMING_PROFILES } from '../metrics/names.js';
import { MODEL_SERVER_FORMAT, parseModelServers, type ModelServer } from '../providers/model-servers.js';
import { GEN_AI_LATEST_EXPERIMENTAL, type GenAiConventions } from '../semconv.js';

export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type SamplerName = (typeof SAMPLERS)[number];

export const LOG_LEVEL_NAMES = ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all'] as const;
export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

// grpc is a valid OTLP protocol, but the agent ships only the HTTP exporters to stay small.
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type OtlpProtocol = (typeof OTLP_PROTOCOLS)[number];
export const TRACES_EXPORTERS = ['otlp', 'console', 'none'] as const;
export type TracesExporterName = (typeof TRACES_EXPORTERS)[number];
export const METRICS_EXPORTERS = ['prometheus', 'otlp', 'console', 'none'] as const;
export type MetricsExporterName = (typeof METRICS_EXPORTERS)[number];
export const PROPAGATORS = ['tracecontext', 'baggage', 'none'] as const;
export type PropagatorName = (typeof PROPAGATORS)[number];

/** The value of a variable earlier in the table (a default that depends on another variable). */
export type Earlier = (name: string) => unknown;

/** How one variable is read: its validating reader, and its default as the README writes it. */
interface Kind<T> {
  readonly default: string;
  readonly read: (read: EnvReader, name: string, earlier: Earlier) => T;
  /** Set when an OpenTelemetry package reads the variable from process.env itself: the agent only shows it. */
  readonly readBy?: string;
  /** Its value may hold credentials (export headers): doctor shows the keys only. */
  readonly secret?: boolean;
}

export interface Variable<N extends string = string, T = unknown> extends Kind<T> {
  readonly name: N;
  /** Standard OpenTelemetry variables, then the agent's own (LLM_OTEL_*), as in the README. */
  readonly section: 'standard' | 'agent';
  readonly description: string;
}

function variable<const N extends string, T>(name: N, kind: Kind<T>, description: string): Variable<N, T> {
  return { ...kind, name, section: name.startsWith('LLM_OTEL_') ? 'agent' : 'standard', description };
}

type Check = { min?: number; max?: number; integer?: boolean };
/** setTimeout and setInterval overflow past 2^31 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

const bool = (fallback: boolean): Kind<boolean> => ({ default: String(fallback), read: (r, name) => r.bool(name, fallback) });
const number = (fallback: number, check: Check): Kind<number> => ({ default: String(fallback), read: (r, name) => r.number(name, fallback, check) });
const oneOf = <T extends string>(allowed: readonly T[], fallback: T): Kind<T> => ({ default: fallback, read: (r, name) => r.oneOf(name, allowed, fallback) });
const listOf = <T extends string>(allowed: readonly T[], fallback: T[]): Kind<T[]> => ({
  default: fallback.join(','),
  read: (r, name) => r.listOf(name, allowed, fallback),
});
const url = (fallback: string): Kind<string> => ({ default: fallback, read: (r, name) => r.url(name, fallback) });
const text = (fallback: string): Kind<string> => ({ default: fallback, read: (r, name) => r.raw(name) ?? fallback });
const buckets = (fallback: readonly number[]): Kind<number[]> => ({
  default: 'see agent/metrics/buckets.ts',
  read: (r, name) => r.increasingNumbers(name, fallback),
});
/** Read by an OpenTelemetry package from process.env; the agent reads it only to show it. */
const readBy = (reader: string, fallback = '—', secret = false): Kind<string | undefined> => ({
  default: fallback,
  readBy: reader,
  secret,
  read: (r, name) => r.raw(name),
});

/** Per the OTLP exporter spec: a signal-specific endpoint is used as is; the general one gets /v1/<signal>. */
const signalUrl = (signalPath: string): Kind<string> => ({
  default: 'from OTEL_EXPORTER_OTLP_ENDPOINT',
  read: (r, name, earlier) => r.url(name, `${(earlier('OTEL_EXPORTER_OTLP_ENDPOINT') as string).replace(/\/+$/, '')}/${signalPath}`),
});
/** A signal's own protocol when set (a bad one falls back to http/protobuf), else the general one. */
const signalProtocol: Kind<OtlpProtocol> = {
  default: 'http/protobuf',
  read: (r, name, earlier) => (r.raw(name) === undefined ? (earlier('OTEL_EXPORTER_OTLP_PROTOCOL') as OtlpProtocol) : r.oneOf(name, OTLP_PROTOCOLS, 'http/protobuf')),
};

/**
 * The spec's comma-separated opt-in list. Only its gen_ai values are the agent's: other values
 * belong to the components that read them (a fleet may set `http` for its other services), and an
 * unknown gen_ai value is named in one warning. Without the opt-in, the GenAI names are v1.41's.
 */
const semconvOptIn: Kind<GenAiConventions> = {
  default: '—',
  read: (r, name) => {
    const value = r.raw(name);
    if (value === undefined) return 'v1.41';
    const genAi = value.split(',').map((item) => item.trim().toLowerCase()).filter((item) => item.startsWith('gen_ai'));
    const latest = genAi.includes(GEN_AI_LATEST_EXPERIMENTAL);
    const unknown = genAi.filter((item) => item !== GEN_AI_LATEST_EXPERIMENTAL);
    if (unknown.length > 0) r.reportBad(name, unknown.join(','), latest ? GEN_AI_LATEST_EXPERIMENTAL : '', `the GenAI value is ${GEN_AI_LATEST_EXPERIMENTAL}; ignored`);
    return latest ? 'latest' : 'v1.41';
  },
};

/** Declared model servers: entries that do not parse are named in one warning and left out, the rest kept. */
const modelServers: Kind<ModelServer[]> = {
  default: '—',
  read: (r, name) => {
    const value = r.raw(name);
    if (value === undefined) return [];
    const { servers, bad } = parseModelServers(value);
    if (bad.length > 0) r.reportBad(name, bad.join(','), servers.map((server) => server.entry).join(','), `expected ${MODEL_SERVER_FORMAT}; ignored, the other entries kept`);
    return servers;
  },
};

export const usesSamplerRatio = (sampler: SamplerName): boolean => sampler === 'traceidratio' || sampler === 'parentbased_traceidratio';

const metricsDefaults = DEFAULT_METRICS_OPTIONS;

/** In the README's order; a variable whose default depends on another comes after it. */
export const VARIABLES = [
  variable('OTEL_SDK_DISABLED', bool(false), '`true`: the agent does nothing at all'),
  variable('OTEL_SERVICE_NAME', readBy('the resource detector', 'unknown_service:<node executable>'), 'service.name'),
  variable('OTEL_RESOURCE_ATTRIBUTES', readBy('the resource detector'), 'more resource attributes, key=value,key=value'),
  variable('OTEL_LOG_LEVEL', oneOf(LOG_LEVEL_NAMES, 'info'), 'the agent\'s and the SDK\'s diagnostics on stderr'),
  variable('OTEL_TRACES_EXPORTER', listOf(TRACES_EXPORTERS, ['otlp']), 'where spans go, comma-separated for several'),
  variable('OTEL_EXPORTER_OTLP_ENDPOINT', url('http://localhost:4318'), 'OTLP base URL: traces to /v1/traces, metrics to /v1/metrics'),
  variable('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', signalUrl('v1/traces'), 'full traces URL, used as is'),
  variable('OTEL_EXPORTER_OTLP_PROTOCOL', oneOf(OTLP_PROTOCOLS, 'http/protobuf'), 'OTLP encoding (grpc is not shipped)'),
  variable('OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', signalProtocol, 'the traces export\'s own encoding'),
  variable('OTEL_EXPORTER_OTLP_HEADERS', readBy('the OTLP exporters', '—', true), 'headers on every export request'),
  variable('OTEL_EXPORTER_OTLP_TRACES_HEADERS', readBy('the OTLP trace exporter', '—', true), 'headers added on trace export requests'),
  variable('OTEL_EXPORTER_OTLP_METRICS_HEADERS', readBy('the OTLP metric exporter', '—', true), 'headers added on metric export requests'),
  variable('OTEL_EXPORTER_OTLP_TIMEOUT', readBy('the OTLP exporters', '10000'), 'ms before an export request is abandoned'),
  variable('OTEL_EXPORTER_OTLP_TRACES_TIMEOUT', readBy('the OTLP trace exporter', '10000'), 'the same, for traces'),
  variable('OTEL_EXPORTER_OTLP_METRICS_TIMEOUT', readBy('the OTLP metric exporter', '10000'), 'the same, for metrics'),
  variable('OTEL_EXPORTER_OTLP_COMPRESSION', readBy('the OTLP exporters', 'none'), 'gzip or none'),
  variable('OTEL_EXPORTER_OTLP_TRACES_COMPRESSION', readBy('the OTLP trace exporter', 'none'), 'the same, for traces'),
  variable('OTEL_EXPORTER_OTLP_METRICS_COMPRESSION', readBy('the OTLP metric exporter', 'none'), 'the same, for metrics'),
  // The batch span processor's options: the SDK 3.x line reads none of them itself.
  variable('OTEL_BSP_SCHEDULE_DELAY', number(5000, { min: 0, max: MAX_TIMER_MS, integer: true }), 'ms from a span\'s end to its export at the latest'),
  variable('OTEL_BSP_MAX_QUEUE_SIZE', number(2048, { min: 1, integer: true }), 'spans held while the collector is slow or down'),
  variable(
    'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
    {
      default: '512',
      // A batch larger than the queue is cut to the queue, with one warning.
      read: (r, name, earlier) => {
        const maxQueueSize = earlier('OTEL_BSP_MAX_QUEUE_SIZE') as number;
        const size = r.number(name, Math.min(512, maxQueueSize), { min: 1, integer: true });
        if (size <= maxQueueSize) return size;
        r.reportBad(name, String(size), String(maxQueueSize), 'larger than OTEL_BSP_MAX_QUEUE_SIZE');
        return maxQueueSize;
      },
    },
    'spans per export request',
  ),
  variable('OTEL_BSP_EXPORT_TIMEOUT', number(30_000, { min: 1, max: MAX_TIMER_MS, integer: true }), 'ms the processor waits on one export'),
  variable('OTEL_TRACES_SAMPLER', oneOf(SAMPLERS, 'parentbased_always_on'), 'which traces are kept'),
  variable(
    'OTEL_TRACES_SAMPLER_ARG',
    {
      default: '1',
      // The spec says the argument is ignored by samplers that take none, so it is only checked when used.
      read: (r, name, earlier) => (usesSamplerRatio(earlier('OTEL_TRACES_SAMPLER') as SamplerName) ? r.number(name, 1, { min: 0, max: 1 }) : 1),
    },
    'ratio in [0, 1] for the traceidratio samplers',
  ),
  variable('OTEL_PROPAGATORS', listOf(PROPAGATORS, ['tracecontext', 'baggage']), 'context propagation on outgoing requests'),
  variable('OTEL_METRICS_EXPORTER', listOf(METRICS_EXPORTERS, ['prometheus']), 'where metrics go, comma-separated for several'),
  variable('OTEL_EXPORTER_PROMETHEUS_HOST', text('localhost'), 'where /metrics listens'),
  variable('OTEL_EXPORTER_PROMETHEUS_PORT', number(9464, { min: 0, max: 65535, integer: true }), 'the /metrics port'),
  variable('OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', signalUrl('v1/metrics'), 'full metrics URL, used as is'),
  variable('OTEL_EXPORTER_OTLP_METRICS_PROTOCOL', signalProtocol, 'the metric push\'s own encoding'),
  variable('OTEL_METRIC_EXPORT_INTERVAL', number(60_000, { min: 100, integer: true }), 'ms between OTLP metric pushes'),
  variable('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT', bool(false), 'record prompts and completions'),
  variable('OTEL_SEMCONV_STABILITY_OPT_IN', semconvOptIn, 'gen_ai_latest_experimental: the GenAI names renamed after v1.41'),
  variable('LLM_OTEL_CAPTURE_MAX_LENGTH', number(8192, { min: 1, integer: true }), 'characters kept of each captured attribute'),
  variable('LLM_OTEL_STREAM_INCLUDE_USAGE', bool(false), 'ask OpenAI-compatible streams for usage'),
  variable(
    'LLM_OTEL_STREAM_IDLE_TIMEOUT_MS',
    number(600_000, { min: 1000, max: MAX_TIMER_MS, integer: true }),
    'a stream with no byte for this long is ended as abandoned',
  ),
  variable('LLM_OTEL_MODEL_SERVERS', modelServers, 'model servers by origin (and path prefix) and the API each speaks'),
  variable('LLM_OTEL_METRICS_NAMING', oneOf(NAMING_PROFILES, metricsDefaults.naming), 'llm_* names (prometheus) or GenAI convention names (otel)'),
  variable('LLM_OTEL_MAX_SERIES', number(metricsDefaults.maxSeries, { min: 1, integer: true }), 'label sets per metric before folding into other'),
  variable('LLM_OTEL_BUCKETS_FIRST_TOKEN', buckets(metricsDefaults.buckets.firstToken), 'first-token latency boundaries, seconds'),
  variable('LLM_OTEL_BUCKETS_GENERATION', buckets(metricsDefaults.buckets.generation), 'generation latency boundaries, seconds'),
  variable('LLM_OTEL_BUCKETS_TIME_PER_TOKEN', buckets(metricsDefaults.buckets.timePerToken), 'time-per-output-token boundaries, seconds'),
  // setInterval overflows past 2^31 ms (about 24 days); a day is plenty for a poll interval.
  variable('LLM_OTEL_GPU_INTERVAL', number(15, { min: 0, max: 86_400 }), 'seconds between nvidia-smi polls; 0: off'),
  variable('LLM_OTEL_GPU_NVIDIA_SMI', text('nvidia-smi'), 'the nvidia-smi binary, a path or a name on PATH'),
  variable('LLM_OTEL_GPU_TIMEOUT', number(5, { min: 0.05, max: 600 }), 'seconds before a hung nvidia-smi is killed'),
  variable('LLM_OTEL_SHUTDOWN_TIMEOUT_MS', number(3000, { min: 0, max: 60_000, integer: true }), 'longest flush on exit or SIGTERM/SIGINT'),
  variable('LLM_OTEL_HTTP_INSTRUMENTATION', bool(true), 'trace inbound and plain outbound HTTP too'),
  variable(
    'LLM_OTEL_TEST_FAULT',
    {
      default: '—',
      read: (r, name): 'start' | undefined => {
        const value = r.raw(name);
        if (value === undefined || value === 'start') return value;
        r.reportBad(name, value, '', 'expected start, for tests only');
        return undefined;
      },
    },
    'tests only: start makes start-up fail',
  ),
] as const;

type Entry = (typeof VARIABLES)[number];
export type VariableName = Entry['name'];
/** Every variable's resolved value, by name. */
export type Values = { -readonly [E in Entry as E['name']]: ReturnType<E['read']> };

export interface ResolvedVariable {
  readonly variable: Variable;
  /** As set in the environment; undefined when unset or empty. */
  readonly raw: string | undefined;
  readonly value: unknown;
  /** Set when the value was rejected: why, and the default used instead. */
  readonly rejected?: { reason: string; defaultUsed: string };
}

export interface Resolution {
  values: Values;
  /** The table's rows, in order, with what each resolved to. */
  rows: ResolvedVariable[];
}

/**
 * Reads every variable of the table once, in order: the environment is touched once per variable
 * and never for a name outside the table. Each bad value gives one `warn` call and its default.
 */
export function resolveVariables(env: Env, warn: WarnBadValue): Resolution {
  const snapshot: Env = {};
  for (const { name } of VARIABLES) snapshot[name] = env[name];
  const rejected = new Map<string, { reason: string; defaultUsed: string }>();
  const reader = new EnvReader(snapshot, (name, value, defaultUsed, reason) => {
    rejected.set(name, { reason, defaultUsed });
    warn(name, value, defaultUsed, reason);
  });
  const values: Record<string, unknown> = {};
  const earlier: Earlier = (name) => {
    if (!Object.hasOwn(values, name)) throw new Error(`config table: ${name} is read before it is resolved`);
    return values[name];
  };
  const rows = VARIABLES.map((variable: Variable): ResolvedVariable => {
    const value = variable.read(reader, variable.name, earlier);
    values[variable.name] = value;
    const rejection = rejected.get(variable.name);
    return { variable, raw: reader.raw(variable.name), value, ...(rejection ? { rejected: rejection } : {}) };
  });
  return { values: values as Values, rows };
}

/**
 * One variable alone, without warnings (start-up reads it again and reports a bad value then). For
 * the preload entry's early look at OTEL_SDK_DISABLED; only for a variable that depends on no other.
 */
export function peekVariable<K extends VariableName>(env: Env, name: K): Values[K] {
  const variable = VARIABLES.find((v) => v.name === name) as Variable | undefined;
  if (!variable) throw new Error(`config table: no variable ${name}`);
  const reader = new EnvReader({ [name]: env[name] }, () => undefined);
  return variable.read(reader, name, (other) => {
    throw new Error(`config table: ${name} depends on ${other}; read the whole table`);
  }) as Values[K];
}
