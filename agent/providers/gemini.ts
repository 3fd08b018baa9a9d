// Gemini's generateContent and streamGenerateContent, as the Gemini API (generativelanguage.
// googleapis.com) and Vertex AI (aiplatform.googleapis.com) both speak it: a body of
// `{candidates: [{content: {parts}, finishReason, index}], usageMetadata, modelVersion, responseId}`,
// or a stream of such bodies (SSE with `alt=sse`, else one JSON array). Every chunk of a stream
// repeats the usage so far, the id and the model version; the last adds the finish reasons.
import type { KeyedFastPath, ParseOptions, ProviderParser, ResponseFacts } from './types.js';
import { arrayOrEmpty, isObject, numberOrUndefined, parseJson, stringOrUndefined, type JsonObject } from './json.js';
import { anyValue, nonEmptyString, nonNullValue, objectValue } from './json-scan.js';
import { errorTypeOf } from './error-type.js';
import { setFinishReason } from './finish-reasons.js';
import { GEMINI_GENERATION_PARAMS, readRequestWith, requestFieldsOf, type RequestShape } from './request-params.js';
import { contentToParts, textPart, type BlockMapper, type ChatMessage, type MessagePart } from './messages.js';

/** Part fields other than text that hold generated content (tool calls, images, code and its result). */
const CONTENT_OBJECTS = ['functionCall', 'inlineData', 'fileData', 'executableCode', 'codeExecutionResult'] as const;

/**
 * Only the last chunk carries finish reasons, and an in-stream error is its own chunk: those are
 * parsed. Every chunk repeats the usage so far under usageMetadata (beside the id and model
 * version), so of the others only the latest is parsed (cumulative); their content is told by a
 * scan. Grounding metadata holds `text` keys of its own (the segments it cites), so a chunk
 * carrying it is parsed rather than scanned.
 */
const FAST_PATH: KeyedFastPath = {
  kind: 'keys',
  parseUntil: ['responseId', 'responseModel'],
  facts: [anyValue('finishReason'), nonNullValue('error'), objectValue('groundingMetadata')],
  content: [nonEmptyString('text'), objectValue(...CONTENT_OBJECTS)],
  cumulative: objectValue('usageMetadata'),
};

function setCount(facts: ResponseFacts, fact: 'inputTokens' | 'outputTokens' | 'cacheReadInputTokens' | 'reasoningOutputTokens', count: number | undefined): void {
  if (count === undefined) delete facts[fact];
  else facts[fact] = count;
}

/**
 * One usageMetadata is the whole count so far and replaces the one before it (a stream repeats it,
 * cumulative, in every chunk; on Vertex AI the chunks before the last carry none).
 *
 * promptTokenCount already includes cachedContentTokenCount (the cache read), as the conventions
 * want gen_ai.usage.input_tokens to. candidatesTokenCount leaves out thoughtsTokenCount, the
 * thinking tokens, which are generated and billed as output: the conventions count reasoning as
 * part of gen_ai.usage.output_tokens (gen_ai.usage.reasoning.output_tokens is the part of it that
 * was reasoning, as OpenAI's completion_tokens include reasoning_tokens), and OpenTelemetry's own
 * google-genai instrumentation adds them up the same way. So output = candidates + thoughts.
 */
export function readGeminiUsage(usage: unknown, facts: ResponseFacts): void {
  if (!isObject(usage)) return;
  const candidates = numberOrUndefined(usage.candidatesTokenCount);
  const thoughts = numberOrUndefined(usage.thoughtsTokenCount);
  setCount(facts, 'inputTokens', numberOrUndefined(usage.promptTokenCount));
  setCount(facts, 'outputTokens', candidates === undefined && thoughts === undefined ? undefined : (candidates ?? 0) + (thoughts ?? 0));
  setCount(facts, 'reasoningOutputTokens', thoughts);
  setCount(facts, 'cacheReadInputTokens', numberOrUndefined(usage.cachedContentTokenCount));
}

/** Google's error object (`{code: 429, message, status: 'RESOURCE_EXHAUSTED'}`): its status names the kind. */
export function googleErrorType(error: unknown): string {
  return isObject(error) && typeof error.status === 'string' && error.status !== '' ? error.status : errorTypeOf(error);
}

function partsOf(candidate: JsonObject): readonly unknown[] {
  return isObject(candidate.content) ? arrayOrEmpty(candidate.content.parts) : [];
}

function partHasContent(part: unknown): boolean {
  if (!isObject(part)) return false;
  if (typeof part.text === 'string' && part.text !== '') return true;
  return CONTENT_OBJECTS.some((field) => isObject(part[field]));
}

/** The answer's text of the first candidate, thoughts left out, for content capture. */
function answerText(candidates: readonly unknown[]): string {
  const first = candidates.find(isObject);
  if (first === undefined) return '';
  let text = '';
  for (const part of partsOf(first)) if (isObject(part) && part.thought !== true && typeof part.text === 'string') text += part.text;
  return text;
}

/** id, model version, finish reasons, usage and error of one body or chunk; returns its candidates. */
function readBody(body: JsonObject, facts: ResponseFacts): readonly unknown[] {
  const id = stringOrUndefined(body.responseId);
  if (id !== undefined) facts.responseId = id;
  const model = stringOrUndefined(body.modelVersion);
  if (model !== undefined) facts.responseModel = model;
  const candidates = arrayOrEmpty(body.candidates);
  for (const candidate of candidates) {
    if (!isObject(candidate)) continue;
    // Finish reasons as Gemini names them (STOP, MAX_TOKENS, SAFETY...), like every other provider's here.
    const reason = stringOrUndefined(candidate.finishReason);
    if (reason !== undefined) setFinishReason(facts, candidate.index, reason);
  }
  readGeminiUsage(body.usageMetadata, facts);
  if (body.error !== undefined && body.error !== null) facts.errorType = googleErrorType(body.error);
  return candidates;
}

const geminiPartToPart: BlockMapper = (part) => {
  if (typeof part.text === 'string') return textPart(part.text);
  if (isObject(part.functionCall)) {
    const call = part.functionCall;
    return { type: 'tool_call', id: stringOrUndefined(call.id), name: stringOrUndefined(call.name), arguments: call.args };
  }
  if (isObject(part.functionResponse)) {
    const response = part.functionResponse;
    return { type: 'tool_call_response', id: stringOrUndefined(response.id), response: response.response };
  }
  return undefined;
};

function contentParts(content: unknown): MessagePart[] {
  return isObject(content) ? contentToParts(content.parts, geminiPartToPart) : contentToParts(content, geminiPartToPart);
}

/** Gemini calls the assistant `model`; a turn of function responses is the tool's. */
function roleOf(content: JsonObject, parts: readonly MessagePart[]): string {
  if (parts.length > 0 && parts.every((part) => part.type === 'tool_call_response')) return 'tool';
  const role = stringOrUndefined(content.role);
  return role === 'model' ? 'assistant' : (role ?? 'user');
}

const REQUEST_SHAPE: RequestShape = {
  params: GEMINI_GENERATION_PARAMS,
  paramsObject: 'generationConfig',
  streamDefault: false,
  streamable: true,
  readMessages(body) {
    const inputMessages: ChatMessage[] = [];
    for (const content of arrayOrEmpty(body.contents)) {
      if (!isObject(content)) continue;
      const parts = contentParts(content);
      inputMessages.push({ role: roleOf(content, parts), parts });
    }
    const system = body.systemInstruction ?? body.system_instruction;
    return { inputMessages, systemInstructions: system === undefined ? undefined : contentParts(system) };
  },
};

export const geminiParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(REQUEST_SHAPE, body, options),
  requestFields: requestFieldsOf(REQUEST_SHAPE),

  readResponse(body: unknown, facts: ResponseFacts, options: ParseOptions): void {
    if (!isObject(body)) return;
    const candidates = readBody(body, facts);
    if (options.captureContent) facts.outputText = answerText(candidates);
  },

  readEvent(data: string, _event: string | undefined, facts: ResponseFacts, options: ParseOptions): boolean {
    const chunk = parseJson(data);
    if (!isObject(chunk)) return false;
    const candidates = readBody(chunk, facts);
    let hasContent = false;
    for (const candidate of candidates) if (isObject(candidate) && partsOf(candidate).some(partHasContent)) hasContent = true;
    if (options.captureContent) {
      const text = answerText(candidates);
      if (text !== '') facts.outputText = (facts.outputText ?? '') + text;
    }
    return hasContent;
  },

  fastPath: FAST_PATH,
};
