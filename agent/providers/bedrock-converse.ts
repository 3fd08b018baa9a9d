// AWS Bedrock's Converse API: POST /model/{modelId}/converse, and ConverseStream (/converse-stream,
// an AWS event stream): one request and response shape for every model family. The model is the
// path's (RecognisedCall.pathModel): the body names none. Stream events (decoders/aws-eventstream.ts)
// are messageStart, contentBlockStart, contentBlockDelta (the content), contentBlockStop,
// messageStop (stopReason), metadata (usage), or an exception. Amazon Nova's own InvokeModel body is
// the same shape, so bedrock-invoke.ts reads it with the functions exported here.
import { GEN_AI_REQUEST_MAX_TOKENS, GEN_AI_REQUEST_STOP_SEQUENCES, GEN_AI_REQUEST_TEMPERATURE, GEN_AI_REQUEST_TOP_K, GEN_AI_REQUEST_TOP_P } from '../semconv.js';
import { ERROR_EVENT_PREFIX, EXCEPTION_EVENT_PREFIX } from './decoders/aws-eventstream.js';
import { OTHER_ERROR_TYPE } from './error-type.js';
import { arrayOrEmpty, isObject, numberOrUndefined, parseJson, stringOrUndefined, type JsonObject } from './json.js';
import { nonEmptyString, scanFor } from './json-scan.js';
import { textPart, type BlockMapper, type ChatMessage, contentToParts } from './messages.js';
import { readParams, readRequestWith, type ParamRule, type RequestShape } from './request-params.js';
import type { HeaderLookup, ParseOptions, ProviderParser, RequestFacts, ResponseFacts, TypedFastPath } from './types.js';

const param = (field: string, attribute: string, kind: ParamRule['kind'] = 'number'): ParamRule => ({ field, attribute, kind });

/** Converse's inferenceConfig; Nova's InvokeModel body spells some of them its own way. */
export const CONVERSE_PARAMS: readonly ParamRule[] = [
  param('maxTokens', GEN_AI_REQUEST_MAX_TOKENS),
  param('max_new_tokens', GEN_AI_REQUEST_MAX_TOKENS),
  param('temperature', GEN_AI_REQUEST_TEMPERATURE),
  param('topP', GEN_AI_REQUEST_TOP_P),
  param('top_p', GEN_AI_REQUEST_TOP_P),
  param('topK', GEN_AI_REQUEST_TOP_K),
  param('top_k', GEN_AI_REQUEST_TOP_K),
  param('stopSequences', GEN_AI_REQUEST_STOP_SEQUENCES, 'strings'),
];

/** Model-specific fields Converse passes through (Anthropic's top_k). */
const ADDITIONAL_PARAMS: readonly ParamRule[] = [param('top_k', GEN_AI_REQUEST_TOP_K), param('topK', GEN_AI_REQUEST_TOP_K)];

/** Converse content blocks: `{text}`, `{toolUse}`, `{toolResult}`, images and documents (skipped). */
const converseBlockToPart: BlockMapper = (block) => {
  if (typeof block.text === 'string') return textPart(block.text);
  if (isObject(block.toolUse)) {
    const { toolUseId, name, input } = block.toolUse;
    return { type: 'tool_call', id: stringOrUndefined(toolUseId), name: stringOrUndefined(name), arguments: input };
  }
  if (isObject(block.toolResult)) {
    return { type: 'tool_call_response', id: stringOrUndefined(block.toolResult.toolUseId), response: block.toolResult.content };
  }
  return undefined;
};

function readConverseMessages(body: JsonObject): Pick<RequestFacts, 'inputMessages' | 'systemInstructions'> {
  const inputMessages: ChatMessage[] = [];
  for (const message of arrayOrEmpty(body.messages)) {
    if (!isObject(message)) continue;
    inputMessages.push({ role: stringOrUndefined(message.role) ?? 'user', parts: contentToParts(message.content, converseBlockToPart) });
  }
  const system = body.system === undefined ? undefined : contentToParts(body.system, converseBlockToPart);
  return { inputMessages, systemInstructions: system };
}

const requestShape = (stream: boolean): RequestShape => ({
  params: CONVERSE_PARAMS,
  paramsObject: 'inferenceConfig',
  // The path says whether it streams; the body has no flag.
  streamDefault: stream,
  streamable: true,
  readMessages: readConverseMessages,
});
const REQUEST_SHAPES = { false: requestShape(false), true: requestShape(true) } as const;

/** The Converse request (and Nova's InvokeModel body): inferenceConfig, passed-through fields, messages when capturing. */
export function readConverseRequest(body: unknown, options: ParseOptions, stream: boolean): RequestFacts {
  const facts = readRequestWith(REQUEST_SHAPES[`${stream}`], body, options);
  facts.stream = stream;
  if (isObject(body) && isObject(body.additionalModelRequestFields)) readParams(body.additionalModelRequestFields, ADDITIONAL_PARAMS, facts.attributes);
  return facts;
}

/**
 * Converse's usage (`cacheReadInputTokens`) and Nova's (`cacheReadInputTokenCount`). Bedrock counts
 * cache reads and writes apart from inputTokens (totalTokens is the sum of all four); the
 * conventions want gen_ai.usage.input_tokens to include them.
 */
export function readBedrockUsage(usage: unknown, facts: ResponseFacts): void {
  if (!isObject(usage)) return;
  const cacheRead = numberOrUndefined(usage.cacheReadInputTokens ?? usage.cacheReadInputTokenCount);
  const cacheWrite = numberOrUndefined(usage.cacheWriteInputTokens ?? usage.cacheWriteInputTokenCount);
  const input = numberOrUndefined(usage.inputTokens);
  if (cacheRead !== undefined) facts.cacheReadInputTokens = cacheRead;
  if (cacheWrite !== undefined) facts.cacheCreationInputTokens = cacheWrite;
  if (input !== undefined) facts.inputTokens = input + (cacheRead ?? 0) + (cacheWrite ?? 0);
  const output = numberOrUndefined(usage.outputTokens);
  if (output !== undefined) facts.outputTokens = output;
}

function readStopReason(holder: JsonObject, facts: ResponseFacts): void {
  const reason = stringOrUndefined(holder.stopReason);
  if (reason !== undefined) facts.finishReasons = [reason];
}

/** A whole Converse response (and Nova's InvokeModel response). */
export function readConverseResponse(body: JsonObject, facts: ResponseFacts, options: ParseOptions): void {
  readStopReason(body, facts);
  readBedrockUsage(body.usage, facts);
  if (!options.captureContent) return;
  const message = isObject(body.output) && isObject(body.output.message) ? body.output.message : undefined;
  const text = contentToParts(message?.content, converseBlockToPart)
    .map((part) => (part.type === 'text' ? part.content : ''))
    .join('');
  facts.outputText = text;
}

/** Where a contentBlockDelta holds generated content: text, reasoning text or tool-use input. */
const DELTA_CONTENT = [nonEmptyString('text', 'input')] as const;
const hasDeltaContent = scanFor(...DELTA_CONTENT);

/**
 * Content comes in contentBlockDelta events; the stop reason in messageStop, usage in metadata.
 * The message and block boundaries change nothing; any other type (an exception, or an event
 * Bedrock adds later) is parsed.
 */
const FAST_PATH: TypedFastPath = {
  kind: 'typed',
  typePrefix: '',
  contentTypes: /^contentBlockDelta$/,
  content: DELTA_CONTENT,
  factTypes: ['messageStop', 'metadata'],
  quietTypes: ['messageStart', 'contentBlockStart', 'contentBlockStop'],
};

/**
 * One stream event, already parsed (Nova's InvokeModel stream wraps the same events in its chunks).
 * `text` is the event's JSON text, whose scan decides content exactly as the fast path's does.
 */
export function readConverseEvent(type: string, event: JsonObject, text: string, facts: ResponseFacts, options: ParseOptions): boolean {
  switch (type) {
    case 'contentBlockDelta': {
      if (options.captureContent && isObject(event.delta) && typeof event.delta.text === 'string') {
        facts.outputText = (facts.outputText ?? '') + event.delta.text;
      }
      return hasDeltaContent(text);
    }
    case 'messageStop':
      readStopReason(event, facts);
      return false;
    case 'metadata':
      readBedrockUsage(event.usage, facts);
      return false;
    default:
      return false;
  }
}

/** An exception or error message of an AWS event stream: its type (throttlingException, ...) is error.type. */
export function readStreamException(event: string | undefined, facts: ResponseFacts): boolean {
  if (event === undefined) return false;
  const prefix = event.startsWith(EXCEPTION_EVENT_PREFIX) ? EXCEPTION_EVENT_PREFIX : event.startsWith(ERROR_EVENT_PREFIX) ? ERROR_EVENT_PREFIX : undefined;
  if (prefix === undefined) return false;
  facts.errorType = event.slice(prefix.length) || OTHER_ERROR_TYPE;
  return true;
}

/** Bedrock's token counts in response headers (InvokeModel; Converse carries them too). */
const TOKEN_HEADERS = {
  input: 'x-amzn-bedrock-input-token-count',
  output: 'x-amzn-bedrock-output-token-count',
  cacheRead: 'x-amzn-bedrock-cache-read-input-token-count',
  cacheWrite: 'x-amzn-bedrock-cache-write-input-token-count',
} as const;

function countHeader(header: HeaderLookup, name: string): number | undefined {
  const value = header(name);
  if (value === undefined || value === '') return undefined;
  const count = Number(value);
  return Number.isInteger(count) && count >= 0 ? count : undefined;
}

/** Counts from the response head; a body that reports usage overrides them (it is read later). */
export function readBedrockTokenHeaders(header: HeaderLookup, facts: ResponseFacts): void {
  readBedrockUsage(
    {
      inputTokens: countHeader(header, TOKEN_HEADERS.input),
      outputTokens: countHeader(header, TOKEN_HEADERS.output),
      cacheReadInputTokens: countHeader(header, TOKEN_HEADERS.cacheRead),
      cacheWriteInputTokens: countHeader(header, TOKEN_HEADERS.cacheWrite),
    },
    facts,
  );
}

function converseParser(stream: boolean): ProviderParser {
  return {
    readRequest: (body, options) => readConverseRequest(body, options, stream),
    readResponse(body, facts, options) {
      if (isObject(body)) readConverseResponse(body, facts, options);
    },
    readResponseHeaders: readBedrockTokenHeaders,
    readEvent(data, event, facts, options) {
      if (event === undefined || readStreamException(event, facts)) return false;
      const parsed = parseJson(data);
      return isObject(parsed) ? readConverseEvent(event, parsed, data, facts, options) : false;
    },
    fastPath: stream ? FAST_PATH : undefined,
  };
}

export const bedrockConverseParser = converseParser(false);
export const bedrockConverseStreamParser = converseParser(true);
