// Ollama's native API: /api/chat (chat) and /api/generate (text_completion), one parser for both.
// Streams are NDJSON (and stream by default); each line is a whole object, the last one has
// `done: true` with the stop reason and token counts. Ollama gives no response id.
import type { ExchangeProof, KeyedFastPath, ParseOptions, ProviderParser, ResponseFacts } from './types.js';
import { arrayOrEmpty, isObject, numberOrUndefined, parseJson, stringOrUndefined, type JsonObject } from './json.js';
import { anyValue, nonEmptyArray, nonEmptyString, trueValue } from './json-scan.js';
import { OTHER_ERROR_TYPE } from './error-type.js';
import { OLLAMA_OPTIONS_PARAMS, readRequestWith, requestFieldsOf, type RequestShape } from './request-params.js';
import { chatMessagesToInput, promptToInput, textPart } from './messages.js';

/** Fields of a line (or of its `message`) whose non-empty string is generated content. */
const TEXT_FIELDS = ['content', 'response', 'thinking'] as const;

function hasText(holder: JsonObject): boolean {
  return TEXT_FIELDS.some((field) => typeof holder[field] === 'string' && holder[field] !== '');
}

/** chat's message.content or generate's response: the text shown to the user. */
function visibleText(line: JsonObject, message: JsonObject | undefined): string | undefined {
  return stringOrUndefined(message?.content) ?? stringOrUndefined(line.response);
}

/** Reads one line (or a whole non-streamed body, which is the same object) and says whether it has content. */
function readLine(line: JsonObject, facts: ResponseFacts, options: ParseOptions): boolean {
  const model = stringOrUndefined(line.model);
  if (model !== undefined) facts.responseModel = model;
  // Ollama reports errors as a bare message string: error.type cannot be more than _OTHER.
  if (line.error !== undefined && line.error !== null) facts.errorType = OTHER_ERROR_TYPE;
  if (line.done === true) {
    facts.finishReasons = [stringOrUndefined(line.done_reason) ?? 'stop'];
    const input = numberOrUndefined(line.prompt_eval_count);
    if (input !== undefined) facts.inputTokens = input;
    const output = numberOrUndefined(line.eval_count);
    if (output !== undefined) facts.outputTokens = output;
  }
  const message = isObject(line.message) ? line.message : undefined;
  if (options.captureContent) {
    const text = visibleText(line, message);
    if (text) facts.outputText = (facts.outputText ?? '') + text;
  }
  return hasText(line) || (message !== undefined && (hasText(message) || arrayOrEmpty(message.tool_calls).length > 0));
}

/**
 * The first line (the model) is parsed; after it only the last line (done: true) and error lines
 * change the facts, and a middle line's content is text or tool calls.
 */
const FAST_PATH: KeyedFastPath = {
  kind: 'keys',
  parseUntil: ['responseModel'],
  facts: [trueValue('done'), anyValue('error')],
  content: [nonEmptyString(...TEXT_FIELDS), nonEmptyArray('tool_calls')],
};

const REQUEST_SHAPE: RequestShape = {
  params: OLLAMA_OPTIONS_PARAMS,
  paramsObject: 'options',
  streamDefault: true,
  streamable: true,
  readMessages(body) {
    const system = stringOrUndefined(body.system);
    return {
      inputMessages: body.messages !== undefined ? chatMessagesToInput(body.messages) : promptToInput(body.prompt),
      systemInstructions: system === undefined ? undefined : [textPart(system)],
    };
  },
};

export const ollamaParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(REQUEST_SHAPE, body, options),
  requestFields: requestFieldsOf(REQUEST_SHAPE),

  readResponse(body, facts, options) {
    if (isObject(body)) readLine(body, facts, options);
  },

  readEvent(data, _event, facts, options) {
    const line = parseJson(data);
    return isObject(line) ? readLine(line, facts, options) : false;
  },

  fastPath: FAST_PATH,
};

/**
 * Ollama's exchange, told apart from an ordinary service's /api/chat: a request naming a model with
 * `messages` (chat) or a `prompt` (generate), and Ollama's `options` object if any; a response
 * whose first NDJSON line (or whole body) names the model, the time it was created and whether it
 * is done, as every Ollama reply does.
 */
export const OLLAMA_EXCHANGE_PROOF: ExchangeProof = {
  request(body) {
    if (!isObject(body) || typeof body.model !== 'string' || body.model === '') return false;
    if (!Array.isArray(body.messages) && typeof body.prompt !== 'string') return false;
    return (body.options === undefined || isObject(body.options)) && (body.stream === undefined || typeof body.stream === 'boolean');
  },
  response(json) {
    return isObject(json) && typeof json.model === 'string' && typeof json.created_at === 'string' && typeof json.done === 'boolean';
  },
};
