// Cohere's own API (api.cohere.com, api.cohere.ai): v2 /chat (SSE with typed events), v1 /chat
// and /generate (NDJSON sent as application/stream+json, typed by `event_type`), and /embed and
// /rerank in both versions.
//
// Usage: Cohere reports `tokens` (what the model read and wrote, the preamble it adds included) and
// `billed_units` (what is charged, without that preamble). gen_ai.usage.input_tokens is "the number
// of tokens used in the GenAI input", so it is `tokens` where the response has them; older v1
// responses carry `token_count` (the same count) or only `billed_units`, taken in that order.
// Cohere's finish reasons are kept as it spells them (COMPLETE, MAX_TOKENS, TOOL_CALL...).
import type { ParseOptions, ProviderParser, ResponseFacts, TypedFastPath } from './types.js';
import { arrayOrEmpty, isObject, numberOrUndefined, parseJson, stringOrUndefined, type JsonObject } from './json.js';
import { nonEmptyArray, nonEmptyString } from './json-scan.js';
import { OTHER_ERROR_TYPE } from './error-type.js';
import { readRequestWith, type ParamRule, type RequestShape } from './request-params.js';
import { chatMessagesToInput, promptToInput, textPart, type ChatMessage } from './messages.js';
import {
  GEN_AI_REQUEST_CHOICE_COUNT,
  GEN_AI_REQUEST_ENCODING_FORMATS,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
} from '../semconv.js';

/** The generation parameters, the same in v1 chat, v1 generate and v2 chat (Cohere names top_p `p` and top_k `k`). */
const COHERE_PARAMS: readonly ParamRule[] = [
  { field: 'max_tokens', attribute: GEN_AI_REQUEST_MAX_TOKENS, kind: 'number' },
  { field: 'temperature', attribute: GEN_AI_REQUEST_TEMPERATURE, kind: 'number' },
  { field: 'p', attribute: GEN_AI_REQUEST_TOP_P, kind: 'number' },
  { field: 'k', attribute: GEN_AI_REQUEST_TOP_K, kind: 'number' },
  { field: 'stop_sequences', attribute: GEN_AI_REQUEST_STOP_SEQUENCES, kind: 'strings' },
  { field: 'seed', attribute: GEN_AI_REQUEST_SEED, kind: 'number' },
  { field: 'frequency_penalty', attribute: GEN_AI_REQUEST_FREQUENCY_PENALTY, kind: 'number' },
  { field: 'presence_penalty', attribute: GEN_AI_REQUEST_PRESENCE_PENALTY, kind: 'number' },
  { field: 'num_generations', attribute: GEN_AI_REQUEST_CHOICE_COUNT, kind: 'countAboveOne' },
];

/** The one finish reason that means the generation failed (v1 and v2 alike); error.type stays `_OTHER`, Cohere gives no type. */
const FAILED = 'ERROR';

function setFinishReason(reason: string | undefined, facts: ResponseFacts): void {
  if (reason === undefined) return;
  facts.finishReasons = [reason];
  if (reason === FAILED) facts.errorType = OTHER_ERROR_TYPE;
}

/** `usage` (v2) or `meta` (v1): `tokens` first, then v1's `token_count`, then `billed_units`. */
function readCohereUsage(holder: unknown, facts: ResponseFacts, tokenCount?: unknown): void {
  const tokens = isObject(holder) && isObject(holder.tokens) ? holder.tokens : undefined;
  const billed = isObject(holder) && isObject(holder.billed_units) ? holder.billed_units : undefined;
  const counted = isObject(tokenCount) ? tokenCount : undefined;
  const input = numberOrUndefined(tokens?.input_tokens) ?? numberOrUndefined(counted?.prompt_tokens) ?? numberOrUndefined(billed?.input_tokens);
  const output = numberOrUndefined(tokens?.output_tokens) ?? numberOrUndefined(counted?.response_tokens) ?? numberOrUndefined(billed?.output_tokens);
  if (input !== undefined) facts.inputTokens = input;
  if (output !== undefined) facts.outputTokens = output;
  const cached = isObject(holder) ? numberOrUndefined(holder.cached_tokens) : undefined;
  if (cached !== undefined) facts.cacheReadInputTokens = cached;
}

function setId(id: unknown, facts: ResponseFacts): void {
  const text = stringOrUndefined(id);
  if (text !== undefined) facts.responseId = text;
}

function appendOutput(text: unknown, facts: ResponseFacts): void {
  if (typeof text === 'string' && text !== '') facts.outputText = (facts.outputText ?? '') + text;
}

/**
 * Whether `value` holds, at any depth, one of `strings` with a non-empty string or one of
 * `arrays` with a non-empty array: the parsed form of the fast path's key scan, so the two agree.
 */
function holdsContent(value: unknown, strings: ReadonlySet<string>, arrays: ReadonlySet<string>, depth = 0): boolean {
  if (depth > 64) return false;
  if (Array.isArray(value)) return value.some((item) => holdsContent(item, strings, arrays, depth + 1));
  if (!isObject(value)) return false;
  for (const key in value) {
    const field = value[key];
    if (strings.has(key) && typeof field === 'string' && field !== '') return true;
    if (arrays.has(key) && Array.isArray(field) && field.length > 0) return true;
    if (typeof field === 'object' && field !== null && holdsContent(field, strings, arrays, depth + 1)) return true;
  }
  return false;
}

// ---- v2 chat: SSE, each event named as its `type` -------------------------------------------------

/** Generated text, reasoning, the tool plan, and tool calls' names and arguments. */
const V2_CONTENT_FIELDS = ['text', 'thinking', 'tool_plan', 'name', 'arguments'] as const;
const V2_CONTENT = new Set<string>(V2_CONTENT_FIELDS);
const NO_ARRAYS = new Set<string>();
const V2_CONTENT_TYPES = /^(?:content-start|content-delta|tool-plan-delta|tool-call-start|tool-call-delta)$/;

/**
 * Content comes in content and tool-call deltas; the id in message-start, the finish reason, usage
 * and errors in message-end, which are parsed. Citations, block ends and debug events change nothing.
 */
const V2_FAST_PATH: TypedFastPath = {
  kind: 'typed',
  typePrefix: '',
  contentTypes: V2_CONTENT_TYPES,
  content: [nonEmptyString(...V2_CONTENT_FIELDS)],
  factTypes: ['message-start', 'message-end'],
};

function readV2Event(event: JsonObject, type: string, facts: ResponseFacts, options: ParseOptions): boolean {
  if (V2_CONTENT_TYPES.test(type)) {
    if (options.captureContent && type === 'content-delta') {
      const delta = isObject(event.delta) && isObject(event.delta.message) ? event.delta.message : undefined;
      if (isObject(delta?.content)) appendOutput(delta.content.text, facts);
    }
    return holdsContent(event, V2_CONTENT, NO_ARRAYS);
  }
  if (type === 'message-start') setId(event.id, facts);
  else if (type === 'message-end') {
    setId(event.id, facts);
    const delta = isObject(event.delta) ? event.delta : {};
    setFinishReason(stringOrUndefined(delta.finish_reason), facts);
    readCohereUsage(delta.usage, facts);
    if (typeof delta.error === 'string' && delta.error !== '') facts.errorType = OTHER_ERROR_TYPE;
  }
  return false;
}

function readV2Body(body: unknown, facts: ResponseFacts, options: ParseOptions): void {
  if (!isObject(body)) return;
  setId(body.id, facts);
  setFinishReason(stringOrUndefined(body.finish_reason), facts);
  readCohereUsage(body.usage, facts);
  if (!options.captureContent || !isObject(body.message)) return;
  const text = arrayOrEmpty(body.message.content)
    .map((block) => (isObject(block) && block.type === 'text' ? (stringOrUndefined(block.text) ?? '') : ''))
    .join('');
  if (text !== '') facts.outputText = text;
}

const V2_REQUEST: RequestShape = {
  params: COHERE_PARAMS,
  streamDefault: false,
  streamable: true,
  readMessages: (body) => ({ inputMessages: chatMessagesToInput(body.messages) }),
};

export const cohereV2ChatParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(V2_REQUEST, body, options),
  readResponse: readV2Body,
  readEvent(data, event, facts, options) {
    const parsed = parseJson(data);
    if (!isObject(parsed)) return false;
    const type = stringOrUndefined(parsed.type) ?? event;
    return type === undefined ? false : readV2Event(parsed, type, facts, options);
  },
  fastPath: V2_FAST_PATH,
};

// ---- v1 chat and generate: NDJSON lines typed by `event_type` -------------------------------------

const V1_CONTENT_STRINGS = ['text', 'name', 'parameters'] as const;
const V1_CONTENT = new Set<string>(V1_CONTENT_STRINGS);
const V1_CONTENT_ARRAYS = new Set<string>(['tool_calls']);
const V1_CONTENT_TYPES = /^(?:text-generation|tool-calls-chunk|tool-calls-generation)$/;

/**
 * Text and tool calls come in text-generation and tool-call events; the generation id in
 * stream-start, the whole response (id, finish reason, usage) in stream-end, failures in
 * stream-error. Search queries, search results and citations change nothing.
 */
const V1_FAST_PATH: TypedFastPath = {
  kind: 'typed',
  typeKey: 'event_type',
  typePrefix: '',
  contentTypes: V1_CONTENT_TYPES,
  content: [nonEmptyString(...V1_CONTENT_STRINGS), nonEmptyArray('tool_calls')],
  factTypes: ['stream-start', 'stream-end', 'stream-error'],
};

/** A whole v1 response (chat or generate), or the `response` of a stream-end event. */
function readV1Response(body: JsonObject, facts: ResponseFacts): void {
  setId(body.response_id ?? body.id ?? body.generation_id, facts);
  const reasons = arrayOrEmpty(body.generations)
    .map((generation) => (isObject(generation) ? stringOrUndefined(generation.finish_reason) : undefined))
    .filter((reason): reason is string => reason !== undefined);
  if (reasons.length > 0) {
    facts.finishReasons = reasons;
    if (reasons.includes(FAILED)) facts.errorType = OTHER_ERROR_TYPE;
  } else setFinishReason(stringOrUndefined(body.finish_reason), facts);
  readCohereUsage(body.meta, facts, body.token_count);
}

function v1Text(body: JsonObject): string | undefined {
  const first = arrayOrEmpty(body.generations)[0];
  return stringOrUndefined(body.text) ?? (isObject(first) ? stringOrUndefined(first.text) : undefined);
}

function readV1Event(event: JsonObject, type: string, facts: ResponseFacts, options: ParseOptions): boolean {
  if (V1_CONTENT_TYPES.test(type)) {
    if (options.captureContent && type === 'text-generation') appendOutput(event.text, facts);
    return holdsContent(event, V1_CONTENT, V1_CONTENT_ARRAYS);
  }
  switch (type) {
    case 'stream-start':
      setId(event.generation_id, facts);
      break;
    case 'stream-end':
      if (isObject(event.response)) readV1Response(event.response, facts);
      if (facts.finishReasons.length === 0) setFinishReason(stringOrUndefined(event.finish_reason), facts);
      break;
    case 'stream-error':
      setFinishReason(stringOrUndefined(event.finish_reason), facts);
      facts.errorType = OTHER_ERROR_TYPE;
      break;
  }
  return false;
}

/** v1 chat_history roles, as the conventions' message roles. */
const V1_ROLES: Readonly<Record<string, string>> = { USER: 'user', CHATBOT: 'assistant', SYSTEM: 'system', TOOL: 'tool' };

function v1Messages(body: JsonObject): ChatMessage[] | undefined {
  const messages: ChatMessage[] = [];
  for (const turn of arrayOrEmpty(body.chat_history)) {
    if (!isObject(turn)) continue;
    const role = stringOrUndefined(turn.role) ?? 'USER';
    const text = stringOrUndefined(turn.message);
    if (text !== undefined) messages.push({ role: V1_ROLES[role] ?? role.toLowerCase(), parts: [textPart(text)] });
  }
  const message = stringOrUndefined(body.message);
  if (message !== undefined) messages.push({ role: 'user', parts: [textPart(message)] });
  return messages.length > 0 ? messages : promptToInput(body.prompt);
}

const V1_REQUEST: RequestShape = {
  params: COHERE_PARAMS,
  streamDefault: false,
  streamable: true,
  readMessages(body) {
    const preamble = stringOrUndefined(body.preamble);
    return { inputMessages: v1Messages(body), systemInstructions: preamble === undefined ? undefined : [textPart(preamble)] };
  },
};

export const cohereV1Parser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(V1_REQUEST, body, options),
  readResponse(body, facts, options) {
    if (!isObject(body)) return;
    readV1Response(body, facts);
    if (options.captureContent) {
      const text = v1Text(body);
      if (text) facts.outputText = text;
    }
  },
  readEvent(data, _event, facts, options) {
    const parsed = parseJson(data);
    if (!isObject(parsed)) return false;
    const type = stringOrUndefined(parsed.event_type);
    return type === undefined ? false : readV1Event(parsed, type, facts, options);
  },
  fastPath: V1_FAST_PATH,
};

// ---- embed and rerank (v1 and v2): whole JSON bodies ---------------------------------------------

/** Embedding types whose vectors hold one number per dimension (binary ones pack eight per byte). */
const PER_DIMENSION_TYPES = ['float', 'int8', 'uint8'] as const;

/** v1 `embeddings` is a list of float vectors, or (with embedding_types, and always in v2) an object of lists by type. */
function embeddingDimensions(embeddings: unknown): number | undefined {
  if (Array.isArray(embeddings)) {
    const first = embeddings[0];
    return Array.isArray(first) ? first.length : undefined;
  }
  if (!isObject(embeddings)) return undefined;
  for (const type of PER_DIMENSION_TYPES) {
    const first = arrayOrEmpty(embeddings[type])[0];
    if (Array.isArray(first)) return first.length;
  }
  return undefined;
}

const EMBED_REQUEST: RequestShape = {
  params: [{ field: 'embedding_types', attribute: GEN_AI_REQUEST_ENCODING_FORMATS, kind: 'strings' }],
  streamDefault: false,
  streamable: false,
};

export const cohereEmbedParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(EMBED_REQUEST, body, options),
  readResponse(body, facts) {
    if (!isObject(body)) return;
    setId(body.id, facts);
    readCohereUsage(body.meta, facts);
    const dimensions = embeddingDimensions(body.embeddings);
    if (dimensions !== undefined) facts.embeddingDimensions = dimensions;
  },
  readEvent: () => false,
};

const RERANK_REQUEST: RequestShape = { params: [], streamDefault: false, streamable: false };

/** Rerank bills search units, not tokens; token counts are recorded only where the response has them. */
export const cohereRerankParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(RERANK_REQUEST, body, options),
  readResponse(body, facts) {
    if (!isObject(body)) return;
    setId(body.id, facts);
    readCohereUsage(body.meta, facts);
  },
  readEvent: () => false,
};
