// What a simulated model "generates" for one call: deterministic tokens and token counts.
import type { SimSchedule } from './types.js';

/** Epoch ms with sub-ms precision: the clock of every time the simulator records. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

export type JsonObject = Record<string, unknown>;

/** Cycled to make the output; includes multi-byte UTF-8 (2, 3 and 4 bytes) on purpose. */
export const VOCABULARY: readonly string[] = ['Hello', ' héllo', ' 世界', ' 👋', ' from', ' the', ' model', ' simulator', '.'];

export function generatedTokens(count: number): string[] {
  return Array.from({ length: count }, (_, i) => VOCABULARY[i % VOCABULARY.length]!);
}

/** Request fields whose text makes up the prompt, across the supported wire formats (Gemini's last). */
const PROMPT_FIELDS = ['system', 'instructions', 'messages', 'input', 'prompt', 'systemInstruction', 'contents', 'content', 'requests'] as const;
/** Inside prompt values, only these keys hold text (not role, type, ids...); Gemini keeps its text in parts. */
const TEXT_KEYS = ['content', 'text', 'input', 'parts'] as const;

/** Cohere's: v1 chat's message, history and preamble, embed's texts, rerank's query and documents. */
const COHERE_PROMPT_FIELDS = ['preamble', 'chat_history', 'message', 'texts', 'query', 'documents'] as const;
/** v1 chat_history entries keep their text in `message`. */
const COHERE_TEXT_KEYS = ['message'] as const;

function collectText(value: unknown, into: string[]): void {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) collectText(item, into);
  else if (value !== null && typeof value === 'object') {
    const object = value as JsonObject;
    for (const key of [...TEXT_KEYS, ...COHERE_TEXT_KEYS]) collectText(object[key], into);
  }
}

/** Deterministic input token count: the whitespace-separated words of the prompt text (at least 1). */
export function countPromptTokens(body: JsonObject): number {
  const texts: string[] = [];
  for (const field of [...PROMPT_FIELDS, ...COHERE_PROMPT_FIELDS]) collectText(body[field], texts);
  const words = texts.join(' ').match(/\S+/g)?.length ?? 0;
  return Math.max(1, words);
}

export interface Generation {
  requestId: string;
  model: string;
  body: JsonObject;
  /** One token per content chunk. */
  tokens: string[];
  text: string;
  inputTokens: number;
  outputTokens: number;
  /** 'length' when the request's own output limit cut the generation short. */
  finishedBy: 'stop' | 'length';
  /** Whether a stream carries usage (the request asked for it and the schedule does not omit it). */
  streamUsage: boolean;
  /** Epoch seconds, as in `created` fields. */
  createdSec: number;
  /** Epoch ms (sub-ms precision) when generation began, for formats that report durations. */
  startedAt: number;
}

export interface GenerationInput {
  requestId: string;
  model: string;
  body: JsonObject;
  schedule: SimSchedule;
  /** The request's own output-token limit (max_tokens and friends), if any. */
  maxOutputTokens: number | undefined;
  /** Whether the wire format puts usage in the stream for this request. */
  usageRequested: boolean;
}

export function generate(input: GenerationInput): Generation {
  const { schedule, maxOutputTokens } = input;
  const limited = maxOutputTokens !== undefined && maxOutputTokens < schedule.chunks;
  const tokens = generatedTokens(limited ? maxOutputTokens : schedule.chunks);
  return {
    requestId: input.requestId,
    model: input.model,
    body: input.body,
    tokens,
    text: tokens.join(''),
    inputTokens: countPromptTokens(input.body),
    outputTokens: tokens.length,
    finishedBy: limited ? 'length' : 'stop',
    streamUsage: input.usageRequested && schedule.usage !== 'omit',
    createdSec: Math.floor(Date.now() / 1000),
    startedAt: epochNow(),
  };
}

/** Reads the first of `keys` that holds a non-negative integer (e.g. max_tokens, max_completion_tokens). */
export function intField(object: unknown, ...keys: string[]): number | undefined {
  if (object === null || typeof object !== 'object') return undefined;
  for (const key of keys) {
    const value = (object as JsonObject)[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  }
  return undefined;
}
