// Every span attribute key the agent writes, in one place. Names follow the OpenTelemetry GenAI
// semantic conventions (v1.41 and later; still "Development" status, so they live here as
// constants rather than being imported from the incubating entry point, which is not stable API).

export const GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k';
export const GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats';
export const GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS = 'gen_ai.usage.cache_creation.input_tokens';
export const GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count';

export const SERVER_ADDRESS = 'server.address';
export const SERVER_PORT = 'server.port';
export const URL_FULL = 'url.full';
export const HTTP_REQUEST_METHOD = 'http.request.method';
export const HTTP_RESPONSE_STATUS_CODE = 'http.response.status_code';
export const ERROR_TYPE = 'error.type';
/** On the spans of a worker thread: its threadId, and its name where it has one. */
export const THREAD_ID = 'thread.id';
export const THREAD_NAME = 'thread.name';

// The agent's own attributes: what the conventions do not (yet) name.
/** Time between consecutive content chunks of a stream, mean and max, in seconds. */
export const LLM_TIME_PER_OUTPUT_CHUNK_MEAN = 'llm.response.time_per_output_chunk.mean';
export const LLM_TIME_PER_OUTPUT_CHUNK_MAX = 'llm.response.time_per_output_chunk.max';
/** Number of chunks that carried generated content. */
export const LLM_RESPONSE_CHUNK_COUNT = 'llm.response.chunk_count';
/** A rough output-token estimate for streams that reported no usage; never written as gen_ai.usage.*. */
export const LLM_USAGE_OUTPUT_TOKENS_ESTIMATE = 'llm.usage.output_tokens_estimate';
/** How the call ended when it did not complete: "aborted" (app cancelled) or "abandoned" (app stopped reading). */
export const LLM_RESPONSE_END = 'llm.response.end';
/** Set on spans chosen as metric exemplars, so a tail-sampling collector keeps their traces. */
export const LLM_EXEMPLAR = 'llm.exemplar';

/**
 * Values of gen_ai.operation.name. `rerank` is not one of the conventions' well-known values, which
 * allow a custom one where none applies: `retrieval` is a search of a data source (such as a vector
 * store), while a rerank scores the documents its request carries.
 */
export type GenAiOperation = 'chat' | 'text_completion' | 'embeddings' | 'generate_content' | 'rerank';

// ---- Names renamed after v1.41 ----------------------------------------------------------------
// v1.41 was the GenAI conventions' last release in open-telemetry/semantic-conventions; they go on
// in open-telemetry/semantic-conventions-genai, whose migration guide
// (docs/gen-ai/non-normative/migration.md) lists what changed since. v1.41's names stay the
// default; OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental (the value the OpenTelemetry
// instrumentations use for the GenAI conventions) selects the renamed ones. The metric names are in
// metrics/names.ts, beside the rest of that table.

/** Which GenAI names the agent writes: v1.41's, or the newer ones the opt-in asks for. */
export type GenAiConventions = 'v1.41' | 'latest';
/** The OTEL_SEMCONV_STABILITY_OPT_IN value that selects the newer GenAI names. */
export const GEN_AI_LATEST_EXPERIMENTAL = 'gen_ai_latest_experimental';

/** gen_ai.usage.cache_creation.input_tokens, renamed (semantic-conventions-genai#440). */
export const GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';

/** The span attributes whose name depends on the conventions chosen. */
export interface GenAiRenamedAttributes {
  cacheCreationInputTokens: string;
}

export const GEN_AI_RENAMED_ATTRIBUTES: Readonly<Record<GenAiConventions, GenAiRenamedAttributes>> = {
  'v1.41': { cacheCreationInputTokens: GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS },
  latest: { cacheCreationInputTokens: GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS },
};

/**
 * The inference operations: the newer conventions time them with gen_ai.client.inference.duration,
 * and every other operation (embeddings, rerank) stays on gen_ai.client.operation.duration
 * (semantic-conventions-genai#521).
 */
export const GEN_AI_INFERENCE_OPERATIONS: readonly string[] = ['chat', 'text_completion', 'generate_content'];

/** The instrumentation scope of every model-call span; the metrics processor keys on it. */
export const MODEL_CALL_SCOPE = 'llm-otel-agent';
