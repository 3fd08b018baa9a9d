// Anthropic Messages (/v1/messages). Streams are named SSE events: message_start (id, model, input
// usage), content_block_delta (content), message_delta (stop reason, output usage), error.
import type { ParseOptions, ProviderParser, ResponseFacts, TypedFastPath } from './types.js';
import { arrayOrEmpty, isObject, numberOrUndefined, parseJson, stringOrUndefined, type JsonObject } from './json.js';
import { nonEmptyString } from './json-scan.js';
import { errorTypeOf } from './error-type.js';
import { ANTHROPIC_PARAMS, readRequestWith, requestFieldsOf, type RequestShape } from './request-params.js';
import { contentToParts, textBlockToPart, type BlockMapper, type ChatMessage } from './messages.js';

/** The content_block_delta fields that hold generated content: text_delta, input_json_delta, thinking_delta. */
const DELTA_CONTENT_FIELDS = ['text', 'partial_json', 'thinking'] as const;

/**
 * Content comes in content_block_delta events; id, model, usage, the stop reason and errors in
 * message_start, message_delta and error, which are parsed; ping and the block and message
 * boundaries change nothing.
 */
const FAST_PATH: TypedFastPath = {
  kind: 'typed',
  typePrefix: '',
  contentTypes: /^content_block_delta$/,
  content: [nonEmptyString(...DELTA_CONTENT_FIELDS)],
  factTypes: ['message_start', 'message_delta', 'error'],
};

/**
 * Anthropic counts cache reads and writes apart from input_tokens; the conventions want
 * gen_ai.usage.input_tokens to include them, so it is the sum. message_delta may repeat any
 * of the counts (cumulative), so fields it leaves out keep their message_start values.
 */
function readAnthropicUsage(usage: unknown, facts: ResponseFacts): void {
  if (!isObject(usage)) return;
  const previousUncached = (facts.inputTokens ?? 0) - (facts.cacheReadInputTokens ?? 0) - (facts.cacheCreationInputTokens ?? 0);
  const cacheRead = numberOrUndefined(usage.cache_read_input_tokens);
  const cacheCreation = numberOrUndefined(usage.cache_creation_input_tokens);
  const uncached = numberOrUndefined(usage.input_tokens);
  if (cacheRead !== undefined) facts.cacheReadInputTokens = cacheRead;
  if (cacheCreation !== undefined) facts.cacheCreationInputTokens = cacheCreation;
  if (uncached !== undefined || cacheRead !== undefined || cacheCreation !== undefined) {
    facts.inputTokens = (uncached ?? previousUncached) + (facts.cacheReadInputTokens ?? 0) + (facts.cacheCreationInputTokens ?? 0);
  }
  const output = numberOrUndefined(usage.output_tokens);
  if (output !== undefined) facts.outputTokens = output;
}

function readMessage(message: JsonObject, facts: ResponseFacts): void {
  const id = stringOrUndefined(message.id);
  if (id !== undefined) facts.responseId = id;
  const model = stringOrUndefined(message.model);
  if (model !== undefined) facts.responseModel = model;
  readStopReason(message, facts);
  readAnthropicUsage(message.usage, facts);
}

function readStopReason(holder: JsonObject, facts: ResponseFacts): void {
  const reason = stringOrUndefined(holder.stop_reason);
  if (reason !== undefined) facts.finishReasons = [reason];
}

function readParsedEvent(event: JsonObject, type: string, facts: ResponseFacts, options: ParseOptions): boolean {
  switch (type) {
    case 'content_block_delta': {
      const delta = isObject(event.delta) ? event.delta : {};
      if (options.captureContent && typeof delta.text === 'string') facts.outputText = (facts.outputText ?? '') + delta.text;
      return DELTA_CONTENT_FIELDS.some((field) => typeof delta[field] === 'string' && delta[field] !== '');
    }
    case 'message_start':
      if (isObject(event.message)) readMessage(event.message, facts);
      return false;
    case 'message_delta':
      if (isObject(event.delta)) readStopReason(event.delta, facts);
      readAnthropicUsage(event.usage, facts);
      return false;
    case 'error':
      facts.errorType = errorTypeOf(event.error);
      return false;
    default:
      return false;
  }
}

const anthropicBlockToPart: BlockMapper = (block) => {
  switch (block.type) {
    case 'tool_use':
      return { type: 'tool_call', id: stringOrUndefined(block.id), name: stringOrUndefined(block.name), arguments: block.input };
    case 'tool_result':
      return { type: 'tool_call_response', id: stringOrUndefined(block.tool_use_id), response: block.content };
    default:
      return textBlockToPart(block);
  }
};

const REQUEST_SHAPE: RequestShape = {
  params: ANTHROPIC_PARAMS,
  streamDefault: false,
  streamable: true,
  readMessages(body) {
    const inputMessages: ChatMessage[] = [];
    for (const message of arrayOrEmpty(body.messages)) {
      if (!isObject(message)) continue;
      inputMessages.push({ role: stringOrUndefined(message.role) ?? 'user', parts: contentToParts(message.content, anthropicBlockToPart) });
    }
    const system = body.system === undefined ? undefined : contentToParts(body.system);
    return { inputMessages, systemInstructions: system };
  },
};

export const anthropicMessagesParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(REQUEST_SHAPE, body, options),
  requestFields: requestFieldsOf(REQUEST_SHAPE),

  readResponse(body, facts, options) {
    if (!isObject(body)) return;
    if (body.type === 'error') {
      facts.errorType = errorTypeOf(body.error);
      return;
    }
    readMessage(body, facts);
    if (!options.captureContent) return;
    const text = contentToParts(body.content).map((part) => (part.type === 'text' ? part.content : '')).join('');
    facts.outputText = text;
  },

  readEvent(data, event, facts, options) {
    const parsed = parseJson(data);
    if (!isObject(parsed)) return false;
    const type = stringOrUndefined(parsed.type) ?? event;
    return type === undefined ? false : readParsedEvent(parsed, type, facts, options);
  },

  fastPath: FAST_PATH,
};
