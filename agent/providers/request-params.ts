// Request parameters → gen_ai.request.* attributes, driven by one small table per wire format so a
// provider declares which of its fields mean what instead of repeating the reading code.
import type { AttributeValue } from '@opentelemetry/api';
import {
  GEN_AI_REQUEST_CHOICE_COUNT,
  GEN_AI_REQUEST_ENCODING_FORMATS,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_STREAM,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
} from '../semconv.js';
import type { ParseOptions, RequestFacts } from './types.js';
import { isObject, numberOrUndefined, stringOrUndefined, type JsonObject } from './json.js';

/** How a field's value becomes an attribute value. */
type ParamKind =
  | 'number'
  /** A string or an array of strings, always recorded as an array. */
  | 'strings'
  /** A number recorded only when it differs from the default of 1 (n, candidate count). */
  | 'countAboveOne';

export interface ParamRule {
  /** The field name in the request body (or in the object the provider points at). */
  field: string;
  attribute: string;
  kind: ParamKind;
}

const rule = (field: string, attribute: string, kind: ParamKind = 'number'): ParamRule => ({ field, attribute, kind });

/** OpenAI chat and legacy completions, and the servers that copy them (top_k is a vLLM extension). */
export const OPENAI_SAMPLING_PARAMS: readonly ParamRule[] = [
  rule('max_tokens', GEN_AI_REQUEST_MAX_TOKENS),
  rule('max_completion_tokens', GEN_AI_REQUEST_MAX_TOKENS),
  rule('temperature', GEN_AI_REQUEST_TEMPERATURE),
  rule('top_p', GEN_AI_REQUEST_TOP_P),
  rule('top_k', GEN_AI_REQUEST_TOP_K),
  rule('frequency_penalty', GEN_AI_REQUEST_FREQUENCY_PENALTY),
  rule('presence_penalty', GEN_AI_REQUEST_PRESENCE_PENALTY),
  rule('stop', GEN_AI_REQUEST_STOP_SEQUENCES, 'strings'),
  rule('seed', GEN_AI_REQUEST_SEED),
  rule('n', GEN_AI_REQUEST_CHOICE_COUNT, 'countAboveOne'),
];

export const OPENAI_RESPONSES_PARAMS: readonly ParamRule[] = [
  rule('max_output_tokens', GEN_AI_REQUEST_MAX_TOKENS),
  rule('temperature', GEN_AI_REQUEST_TEMPERATURE),
  rule('top_p', GEN_AI_REQUEST_TOP_P),
];

export const OPENAI_EMBEDDINGS_PARAMS: readonly ParamRule[] = [
  rule('encoding_format', GEN_AI_REQUEST_ENCODING_FORMATS, 'strings'),
];

export const ANTHROPIC_PARAMS: readonly ParamRule[] = [
  rule('max_tokens', GEN_AI_REQUEST_MAX_TOKENS),
  rule('temperature', GEN_AI_REQUEST_TEMPERATURE),
  rule('top_p', GEN_AI_REQUEST_TOP_P),
  rule('top_k', GEN_AI_REQUEST_TOP_K),
  rule('stop_sequences', GEN_AI_REQUEST_STOP_SEQUENCES, 'strings'),
];

/** Gemini (the Gemini API and Vertex AI) keeps these inside `generationConfig`. */
export const GEMINI_GENERATION_PARAMS: readonly ParamRule[] = [
  rule('maxOutputTokens', GEN_AI_REQUEST_MAX_TOKENS),
  rule('temperature', GEN_AI_REQUEST_TEMPERATURE),
  rule('topP', GEN_AI_REQUEST_TOP_P),
  rule('topK', GEN_AI_REQUEST_TOP_K),
  rule('frequencyPenalty', GEN_AI_REQUEST_FREQUENCY_PENALTY),
  rule('presencePenalty', GEN_AI_REQUEST_PRESENCE_PENALTY),
  rule('stopSequences', GEN_AI_REQUEST_STOP_SEQUENCES, 'strings'),
  rule('seed', GEN_AI_REQUEST_SEED),
  rule('candidateCount', GEN_AI_REQUEST_CHOICE_COUNT, 'countAboveOne'),
];

/** Ollama's native API keeps these inside `options`. */
export const OLLAMA_OPTIONS_PARAMS: readonly ParamRule[] = [
  rule('num_predict', GEN_AI_REQUEST_MAX_TOKENS),
  rule('temperature', GEN_AI_REQUEST_TEMPERATURE),
  rule('top_p', GEN_AI_REQUEST_TOP_P),
  rule('top_k', GEN_AI_REQUEST_TOP_K),
  rule('frequency_penalty', GEN_AI_REQUEST_FREQUENCY_PENALTY),
  rule('presence_penalty', GEN_AI_REQUEST_PRESENCE_PENALTY),
  rule('stop', GEN_AI_REQUEST_STOP_SEQUENCES, 'strings'),
  rule('seed', GEN_AI_REQUEST_SEED),
];

function toAttributeValue(value: unknown, kind: ParamKind): AttributeValue | undefined {
  switch (kind) {
    case 'number':
      return numberOrUndefined(value);
    case 'countAboveOne': {
      const count = numberOrUndefined(value);
      return count !== undefined && count !== 1 ? count : undefined;
    }
    case 'strings':
      if (typeof value === 'string') return [value];
      if (Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string')) {
        return value as string[];
      }
      return undefined;
  }
}

/** Copies every field named in `rules` that holds a usable value; the first rule for an attribute wins. */
export function readParams(source: JsonObject, rules: readonly ParamRule[], into: Record<string, AttributeValue>): void {
  for (const { field, attribute, kind } of rules) {
    if (into[attribute] !== undefined) continue;
    const value = toAttributeValue(source[field], kind);
    if (value !== undefined) into[attribute] = value;
  }
}

export interface RequestShape {
  params: readonly ParamRule[];
  /** Where the parameters live, when not at the top level (Ollama's `options`). */
  paramsObject?: string;
  /** The value of `stream` when the request leaves it out (false for OpenAI, true for Ollama). */
  streamDefault: boolean;
  /** False for operations that never stream (embeddings): no gen_ai.request.stream attribute. */
  streamable: boolean;
  /** Reads prompt messages; called only when content capture is on. */
  readMessages?: (body: JsonObject) => Pick<RequestFacts, 'inputMessages' | 'systemInstructions'>;
}

/** The top-level fields readRequestWith reads without content capture (ProviderParser.requestFields). */
export function requestFieldsOf(shape: RequestShape): string[] {
  return ['model', 'stream', ...(shape.paramsObject === undefined ? shape.params.map((param) => param.field) : [shape.paramsObject])];
}

/** The readRequest every wire format shares: model, stream, parameters, and messages when capturing. */
export function readRequestWith(shape: RequestShape, body: unknown, options: ParseOptions): RequestFacts {
  const attributes: Record<string, AttributeValue> = {};
  if (!isObject(body)) return { stream: shape.streamDefault, attributes };
  const stream = typeof body.stream === 'boolean' ? body.stream : shape.streamDefault;
  const paramsSource = shape.paramsObject === undefined ? body : body[shape.paramsObject];
  if (isObject(paramsSource)) readParams(paramsSource, shape.params, attributes);
  if (shape.streamable) attributes[GEN_AI_REQUEST_STREAM] = stream;
  const facts: RequestFacts = { model: stringOrUndefined(body.model), stream, attributes };
  if (options.captureContent && shape.readMessages !== undefined) Object.assign(facts, shape.readMessages(body));
  return facts;
}
