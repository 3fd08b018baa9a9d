// The one table of the metrics derived from model-call spans: for each internal metric, its name,
// unit, kind and labels under both naming profiles. The profile switch (LLM_OTEL_METRICS_NAMING)
// picks a column; nothing else in the code knows a metric name.
//
// Instrument names are what an OTLP reader sees. The Prometheus exposition name is derived from the
// instrument name and unit by one rule (prometheus-naming.ts), so the `prometheus` column is written
// as exposed (`llm_requests_total`) and the `otel` column as the conventions spell it
// (`gen_ai.client.operation.duration`, exposed as `gen_ai_client_operation_duration_seconds`).

import { GEN_AI_INFERENCE_OPERATIONS, type GenAiConventions } from '../semconv.js';

export type NamingProfile = 'prometheus' | 'otel';
export const NAMING_PROFILES: readonly NamingProfile[] = ['prometheus', 'otel'];

export type MetricId =
  | 'requests'
  | 'errors'
  | 'activeRequests'
  | 'generationLatency'
  | 'firstTokenLatency'
  | 'timePerOutputToken'
  | 'inputTokens'
  | 'outputTokens';

export type InstrumentKind = 'counter' | 'upDownCounter' | 'histogram';

/** Which bucket boundaries a histogram uses; the latency ones are configurable (options.ts). */
export type BucketsId = 'firstToken' | 'generation' | 'timePerToken' | 'tokenCount';

/** A label whose value comes from the span (see call-facts.ts for how each is read). */
export type LabelId =
  | 'model'
  | 'requestModel'
  | 'responseModel'
  | 'provider'
  | 'operation'
  | 'status'
  | 'errorType'
  | 'serviceName';

/** Label names per profile: Prometheus-style short names, or the conventions' attribute keys. */
export const LABEL_NAMES: Record<NamingProfile, Partial<Record<LabelId, string>>> = {
  prometheus: {
    model: 'model',
    provider: 'provider',
    operation: 'operation',
    status: 'status',
    errorType: 'error_type',
    serviceName: 'service_name',
  },
  otel: {
    requestModel: 'gen_ai.request.model',
    responseModel: 'gen_ai.response.model',
    provider: 'gen_ai.provider.name',
    operation: 'gen_ai.operation.name',
    errorType: 'error.type',
  },
};

/**
 * Labels that never fold into `other` under the cardinality guard: one value per process, so they
 * cannot be the cause of an explosion, and folding them would merge unrelated services.
 */
export const UNFOLDED_LABELS: ReadonlySet<LabelId> = new Set(['serviceName']);

export interface MetricName {
  name: string;
  unit: string;
  description: string;
  kind: InstrumentKind;
  labels: readonly LabelId[];
  /** Constant attributes this metric adds in this profile (the conventions' gen_ai.token.type). */
  constants?: Readonly<Record<string, string>>;
  buckets?: BucketsId;
  /** Recorded only for calls of these operations, or of all but these; every call when absent. */
  operations?: { readonly only: readonly string[] } | { readonly except: readonly string[] };
}

export interface MetricRow {
  prometheus: MetricName;
  /** Absent where the conventions carry the same data elsewhere (noted on the row). */
  otel?: MetricName;
  /**
   * The `otel` column under the newer conventions (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental),
   * where they renamed the metric after v1.41; several where they split it by operation. Absent: `otel` as is.
   */
  otelLatest?: MetricName | readonly MetricName[];
}

const PROM_LABELS: readonly LabelId[] = ['model', 'provider', 'operation', 'status', 'serviceName'];
const PROM_ACTIVE_LABELS: readonly LabelId[] = ['model', 'provider', 'operation', 'serviceName'];
// service.name is a resource attribute in OpenTelemetry; a Prometheus backend gets it as `job`.
const OTEL_LABELS: readonly LabelId[] = ['operation', 'provider', 'requestModel', 'responseModel', 'errorType'];
const OTEL_ACTIVE_LABELS: readonly LabelId[] = ['operation', 'provider', 'requestModel'];

const OTEL_TOKEN_USAGE = {
  name: 'gen_ai.client.token.usage',
  unit: '{token}',
  description: 'Number of input and output tokens used per model call.',
  kind: 'histogram',
  labels: OTEL_LABELS,
  buckets: 'tokenCount',
} as const;

const OTEL_OPERATION_DURATION: MetricName = {
  name: 'gen_ai.client.operation.duration',
  unit: 's',
  description: 'GenAI operation duration.',
  kind: 'histogram',
  labels: OTEL_LABELS,
  buckets: 'generation',
};

// semantic-conventions-genai#521 renamed the two streaming histograms gen_ai.client.inference.*,
// attributes unchanged (otelLatest below).
const OTEL_TIME_TO_FIRST_CHUNK: MetricName = {
  name: 'gen_ai.client.operation.time_to_first_chunk',
  unit: 's',
  description: 'Time to receive the first chunk of a streamed response.',
  kind: 'histogram',
  labels: OTEL_LABELS,
  buckets: 'firstToken',
};

const OTEL_TIME_PER_OUTPUT_CHUNK: MetricName = {
  name: 'gen_ai.client.operation.time_per_output_chunk',
  unit: 's',
  description: 'Mean time between output chunks of a streamed response, one observation per call.',
  kind: 'histogram',
  labels: OTEL_LABELS,
  buckets: 'timePerToken',
};

export const METRICS: Record<MetricId, MetricRow> = {
  requests: {
    prometheus: {
      name: 'llm_requests_total',
      unit: '{request}',
      description: 'Model calls, by outcome.',
      kind: 'counter',
      labels: PROM_LABELS,
    },
    // The conventions count calls with the count of gen_ai.client.operation.duration.
  },
  errors: {
    prometheus: {
      name: 'llm_errors_total',
      unit: '{request}',
      description: 'Model calls that failed, by error type.',
      kind: 'counter',
      labels: [...PROM_LABELS, 'errorType'],
    },
    // The conventions split gen_ai.client.operation.duration by error.type instead.
  },
  activeRequests: {
    prometheus: {
      name: 'llm_active_requests',
      unit: '{request}',
      description: 'Model calls in flight.',
      kind: 'upDownCounter',
      labels: PROM_ACTIVE_LABELS,
    },
    otel: {
      // Not (yet) in the GenAI conventions; named after http.client.active_requests.
      name: 'gen_ai.client.active_requests',
      unit: '{request}',
      description: 'Model calls in flight.',
      kind: 'upDownCounter',
      labels: OTEL_ACTIVE_LABELS,
    },
  },
  generationLatency: {
    prometheus: {
      name: 'llm_generation_latency_seconds',
      unit: 's',
      description: 'Duration of a whole model call, from request to the end of the response.',
      kind: 'histogram',
      labels: PROM_LABELS,
      buckets: 'generation',
    },
    otel: OTEL_OPERATION_DURATION,
    // semantic-conventions-genai#521: inference has a duration of its own; the rest keep this one.
    otelLatest: [
      { ...OTEL_OPERATION_DURATION, name: 'gen_ai.client.inference.duration', description: 'GenAI client inference duration.', operations: { only: GEN_AI_INFERENCE_OPERATIONS } },
      { ...OTEL_OPERATION_DURATION, operations: { except: GEN_AI_INFERENCE_OPERATIONS } },
    ],
  },
  firstTokenLatency: {
    prometheus: {
      name: 'llm_first_token_latency_seconds',
      unit: 's',
      description: 'Time from request to the first content chunk of a streamed response.',
      kind: 'histogram',
      labels: PROM_LABELS,
      buckets: 'firstToken',
    },
    otel: OTEL_TIME_TO_FIRST_CHUNK,
    otelLatest: { ...OTEL_TIME_TO_FIRST_CHUNK, name: 'gen_ai.client.inference.time_to_first_chunk' },
  },
  timePerOutputToken: {
    prometheus: {
      name: 'llm_time_per_output_token_seconds',
      unit: 's',
      description: 'Mean time between content chunks of a streamed response, one observation per call.',
      kind: 'histogram',
      labels: PROM_LABELS,
      buckets: 'timePerToken',
    },
    otel: OTEL_TIME_PER_OUTPUT_CHUNK,
    otelLatest: { ...OTEL_TIME_PER_OUTPUT_CHUNK, name: 'gen_ai.client.inference.time_per_output_chunk' },
  },
  inputTokens: {
    prometheus: {
      name: 'llm_prompt_tokens_total',
      unit: '{token}',
      description: 'Input (prompt) tokens reported by the provider.',
      kind: 'counter',
      labels: PROM_LABELS,
    },
    otel: { ...OTEL_TOKEN_USAGE, constants: { 'gen_ai.token.type': 'input' } },
  },
  outputTokens: {
    prometheus: {
      name: 'llm_tokens_generated_total',
      unit: '{token}',
      description: 'Output (generated) tokens reported by the provider.',
      kind: 'counter',
      labels: PROM_LABELS,
    },
    otel: { ...OTEL_TOKEN_USAGE, constants: { 'gen_ai.token.type': 'output' } },
  },
};

/**
 * The metrics one profile exposes, in table order; under the newer conventions the `otel` profile
 * takes each row's otelLatest where it has one (a row split by operation gives several).
 */
export function metricsFor(profile: NamingProfile, conventions: GenAiConventions = 'v1.41'): Array<{ id: MetricId; metric: MetricName }> {
  const picked: Array<{ id: MetricId; metric: MetricName }> = [];
  for (const [id, row] of Object.entries(METRICS) as Array<[MetricId, MetricRow]>) {
    const chosen = profile === 'otel' && conventions === 'latest' ? (row.otelLatest ?? row.otel) : row[profile];
    if (chosen === undefined) continue;
    for (const metric of Array.isArray(chosen) ? chosen : [chosen as MetricName]) picked.push({ id, metric });
  }
  return picked;
}

/** Whether a call of this operation is recorded in the metric (see MetricName.operations). */
export function recordsOperation(metric: MetricName, operation: string): boolean {
  const { operations } = metric;
  if (operations === undefined) return true;
  return 'only' in operations ? operations.only.includes(operation) : !operations.except.includes(operation);
}
