// OpenAI Responses (/v1/responses). Streams are typed events (`response.output_text.delta`, ...);
// the type is in the SSE `event:` field and again as the data's first key, which is what a scan
// reads when a server sends no `event:` lines.
import type { ParseOptions, ProviderParser, ResponseFacts, TypedFastPath } from './types.js';
import { arrayOrEmpty, isObject, parseJson, stringOrUndefined, type JsonObject } from './json.js';
import { nonEmptyString } from './json-scan.js';
import { OPENAI_RESPONSES_USAGE, readUsage } from './usage.js';
import { errorTypeOf, OTHER_ERROR_TYPE } from './error-type.js';
import { OPENAI_RESPONSES_PARAMS, readRequestWith, requestFieldsOf, type RequestShape } from './request-params.js';
import { contentToParts, textPart, type ChatMessage } from './messages.js';

/** Events whose `delta` is generated content (reasoning covers reasoning_text and reasoning_summary_text). */
const CONTENT_DELTA = /^response\.(?:output_text|function_call_arguments|refusal|reasoning[\w.]*)\.delta$/;
const isContentDelta = (type: string): boolean => CONTENT_DELTA.test(type);

/** Events that carry the response object: id, model, status, usage. */
const RESPONSE_LIFECYCLE: ReadonlySet<string> = new Set([
  'response.created',
  'response.queued',
  'response.in_progress',
  'response.completed',
  'response.incomplete',
  'response.failed',
  'response.cancelled',
]);

/** A response's status when the event says it but the object leaves it out. */
function statusOfEvent(type: string): string | undefined {
  return RESPONSE_LIFECYCLE.has(type) ? type.slice('response.'.length) : undefined;
}

/**
 * `completed` becomes `stop` (or `tool_calls` when the model asked for tools) so that one finish
 * reason means the same across OpenAI's two APIs; `incomplete` gives its reason
 * (`max_output_tokens`, `content_filter`); `failed` and `cancelled` stay as they are.
 */
function finishReasonOf(response: JsonObject, status: string): string | undefined {
  switch (status) {
    case 'completed': {
      const callsTool = arrayOrEmpty(response.output).some((item) => isObject(item) && item.type === 'function_call');
      return callsTool ? 'tool_calls' : 'stop';
    }
    case 'incomplete': {
      const details = isObject(response.incomplete_details) ? response.incomplete_details : {};
      return stringOrUndefined(details.reason) ?? 'incomplete';
    }
    case 'failed':
    case 'cancelled':
      return status;
    default:
      return undefined; // queued, in_progress: not finished yet
  }
}

function readResponseObject(response: JsonObject, facts: ResponseFacts, eventStatus?: string): void {
  const id = stringOrUndefined(response.id);
  if (id !== undefined) facts.responseId = id;
  const model = stringOrUndefined(response.model);
  if (model !== undefined) facts.responseModel = model;
  readUsage(response.usage, OPENAI_RESPONSES_USAGE, facts);
  const status = stringOrUndefined(response.status) ?? eventStatus;
  const reason = status === undefined ? undefined : finishReasonOf(response, status);
  if (reason !== undefined) facts.finishReasons = [reason];
  if (isObject(response.error)) facts.errorType = stringOrUndefined(response.error.code) ?? errorTypeOf(response.error);
}

function outputText(response: JsonObject): string {
  let text = '';
  for (const item of arrayOrEmpty(response.output)) {
    if (!isObject(item) || item.type !== 'message') continue;
    for (const part of arrayOrEmpty(item.content)) {
      if (isObject(part) && part.type === 'output_text' && typeof part.text === 'string') text += part.text;
    }
  }
  return text;
}

function readParsedEvent(event: JsonObject, type: string, facts: ResponseFacts, options: ParseOptions): boolean {
  if (isContentDelta(type)) {
    const delta = stringOrUndefined(event.delta);
    if (options.captureContent && delta && type === 'response.output_text.delta') {
      facts.outputText = (facts.outputText ?? '') + delta;
    }
    return !!delta;
  }
  if (isObject(event.response)) readResponseObject(event.response, facts, statusOfEvent(type));
  else if (type === 'error') facts.errorType = stringOrUndefined(event.code) ?? (isObject(event.error) ? errorTypeOf(event.error) : OTHER_ERROR_TYPE);
  return false;
}

function inputItemToMessage(item: unknown): ChatMessage | undefined {
  if (typeof item === 'string') return { role: 'user', parts: [textPart(item)] };
  if (!isObject(item)) return undefined;
  if (item.type === 'function_call') {
    const call = { type: 'tool_call', id: stringOrUndefined(item.call_id), name: stringOrUndefined(item.name), arguments: item.arguments } as const;
    return { role: 'assistant', parts: [call] };
  }
  if (item.type === 'function_call_output') {
    return { role: 'tool', parts: [{ type: 'tool_call_response', id: stringOrUndefined(item.call_id), response: item.output }] };
  }
  const role = stringOrUndefined(item.role);
  return role === undefined ? undefined : { role, parts: contentToParts(item.content) };
}

const REQUEST_SHAPE: RequestShape = {
  params: OPENAI_RESPONSES_PARAMS,
  streamDefault: false,
  streamable: true,
  readMessages(body) {
    const items = typeof body.input === 'string' ? [body.input] : arrayOrEmpty(body.input);
    const inputMessages = items.map(inputItemToMessage).filter((message) => message !== undefined);
    const instructions = stringOrUndefined(body.instructions);
    return { inputMessages, systemInstructions: instructions === undefined ? undefined : [textPart(instructions)] };
  },
};

/**
 * Content deltas are settled by their text, the lifecycle events (the response object: id, model,
 * usage, status) are parsed, and every other `response.*` event changes nothing. Top-level types
 * all start with `response.` (or are `error`): any other first `type` is a nested one from a
 * reordered object, so that event is parsed to find the real type.
 */
const FAST_PATH: TypedFastPath = {
  kind: 'typed',
  typePrefix: 'response.',
  contentTypes: CONTENT_DELTA,
  content: [nonEmptyString('delta')],
  factTypes: [...RESPONSE_LIFECYCLE],
  volatile: ['obfuscation'],
};

export const openAiResponsesParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(REQUEST_SHAPE, body, options),
  requestFields: requestFieldsOf(REQUEST_SHAPE),

  readResponse(body, facts, options) {
    if (!isObject(body)) return;
    if (isObject(body.error) && body.id === undefined) {
      facts.errorType = errorTypeOf(body.error); // an error body, not a response object
      return;
    }
    readResponseObject(body, facts);
    if (options.captureContent) facts.outputText = outputText(body);
  },

  readEvent(data, event, facts, options) {
    if (data === '[DONE]') return false;
    const parsed = parseJson(data);
    if (!isObject(parsed)) return false;
    const type = stringOrUndefined(parsed.type) ?? event;
    return type === undefined ? false : readParsedEvent(parsed, type, facts, options);
  },

  fastPath: FAST_PATH,
};
