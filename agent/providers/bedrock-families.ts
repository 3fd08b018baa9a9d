// The model families' own bodies behind Bedrock's InvokeModel (bedrock-invoke.ts), each chosen by its
// model id. Anthropic's Messages API is read by the Anthropic parser itself; Nova's body is
// Converse's shape. A model id no family claims (an application inference profile's ARN, an
// imported model) gets GENERIC_FAMILY: Bedrock's own token counts, every chunk taken as content.
import {
  GEN_AI_REQUEST_ENCODING_FORMATS,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
} from '../semconv.js';
import { anthropicMessagesParser } from './anthropic-messages.js';
import { readConverseEvent, readConverseRequest, readConverseResponse } from './bedrock-converse.js';
import type { InvokeFamily } from './bedrock-invoke.js';
import { arrayOrEmpty, isObject, numberOrUndefined, parseJson, stringOrUndefined, type JsonObject } from './json.js';
import { promptToInput } from './messages.js';
import { openAiChatParser } from './openai-chat.js';
import { readParams, readRequestWith, type ParamRule, type RequestShape } from './request-params.js';
import type { ParseOptions, ResponseFacts } from './types.js';

const param = (field: string, attribute: string, kind: ParamRule['kind'] = 'number'): ParamRule => ({ field, attribute, kind });

/** A request shape for the families whose prompt is one string field. */
const promptShape = (params: readonly ParamRule[], promptField: string, paramsObject?: string): RequestShape => ({
  params,
  paramsObject,
  streamDefault: false,
  streamable: true,
  readMessages: (body) => ({ inputMessages: promptToInput(body[promptField]) }),
});

/** Reads `body` as JSON and hands the object to `read`; false (no content) for anything else. */
function withObject(text: string, read: (chunk: JsonObject) => boolean): boolean {
  const chunk = parseJson(text);
  return isObject(chunk) ? read(chunk) : false;
}

function setCount(facts: ResponseFacts, fact: 'inputTokens' | 'outputTokens', value: unknown): void {
  const count = numberOrUndefined(value);
  if (count !== undefined) facts[fact] = count;
}

function setFinish(facts: ResponseFacts, reason: unknown): void {
  if (typeof reason === 'string' && reason !== '') facts.finishReasons = [reason];
}

function appendText(facts: ResponseFacts, options: ParseOptions, text: unknown): void {
  if (options.captureContent && typeof text === 'string') facts.outputText = (facts.outputText ?? '') + text;
}

const nonEmpty = (value: unknown): boolean => typeof value === 'string' && value !== '';

// ---- Anthropic: the Messages API (anthropic_version bedrock-2023-05-31), or the legacy Text
// Completions (`prompt` → `completion`, `stop_reason`) of claude-v2 and claude-instant.

function readLegacyCompletion(chunk: JsonObject, facts: ResponseFacts, options: ParseOptions): boolean {
  setFinish(facts, chunk.stop_reason);
  appendText(facts, options, chunk.completion);
  return nonEmpty(chunk.completion);
}

const ANTHROPIC: InvokeFamily = {
  name: 'anthropic',
  modelId: 'anthropic\\.',
  operation: 'chat',
  streams: true,
  readRequest(body, options) {
    const facts = anthropicMessagesParser.readRequest(body, options);
    if (isObject(body)) {
      readParams(body, [param('max_tokens_to_sample', GEN_AI_REQUEST_MAX_TOKENS)], facts.attributes);
      if (options.captureContent && body.messages === undefined) facts.inputMessages = promptToInput(body.prompt);
    }
    return facts;
  },
  readBody(body, facts, options) {
    anthropicMessagesParser.readResponse(body, facts, options);
    if (isObject(body) && typeof body.completion === 'string' && options.captureContent) facts.outputText = body.completion;
  },
  readChunk(text, facts, options) {
    if (anthropicMessagesParser.readEvent(text, undefined, facts, options)) return true;
    // Only a legacy chunk has a top-level completion; a Messages event that mentions one is read as nothing.
    return text.includes('"completion"') && withObject(text, (chunk) => readLegacyCompletion(chunk, facts, options));
  },
};

// ---- Amazon Titan Text: `inputText` and `textGenerationConfig`; `results[]` or stream chunks with
// `outputText`, `completionReason` and running token counts.

const TITAN: InvokeFamily = {
  name: 'amazon-titan-text',
  modelId: 'amazon\\.titan-(?:text|tg1)',
  operation: 'text_completion',
  streams: true,
  readRequest: (body, options) =>
    readRequestWith(
      promptShape(
        [param('maxTokenCount', GEN_AI_REQUEST_MAX_TOKENS), param('temperature', GEN_AI_REQUEST_TEMPERATURE), param('topP', GEN_AI_REQUEST_TOP_P), param('stopSequences', GEN_AI_REQUEST_STOP_SEQUENCES, 'strings')],
        'inputText',
        'textGenerationConfig',
      ),
      body,
      options,
    ),
  readBody(body, facts, options) {
    if (!isObject(body)) return;
    setCount(facts, 'inputTokens', body.inputTextTokenCount);
    const results = arrayOrEmpty(body.results).filter(isObject);
    if (results.length === 0) return;
    const counts = results.map((result) => numberOrUndefined(result.tokenCount));
    if (counts.every((count) => count !== undefined)) facts.outputTokens = counts.reduce((sum: number, count) => sum + count!, 0);
    facts.finishReasons = results.map((result) => stringOrUndefined(result.completionReason)).filter((reason) => reason !== undefined);
    if (options.captureContent) facts.outputText = results.map((result) => stringOrUndefined(result.outputText) ?? '').join('');
  },
  readChunk: (text, facts, options) =>
    withObject(text, (chunk) => {
      setCount(facts, 'inputTokens', chunk.inputTextTokenCount);
      setCount(facts, 'outputTokens', chunk.totalOutputTextTokenCount);
      setFinish(facts, chunk.completionReason);
      appendText(facts, options, chunk.outputText);
      return nonEmpty(chunk.outputText);
    }),
};

// ---- Meta Llama: `prompt`, `max_gen_len`; `generation`, token counts and `stop_reason`, the same
// fields in the whole body and in each chunk.

function readLlama(chunk: JsonObject, facts: ResponseFacts, options: ParseOptions): boolean {
  setCount(facts, 'inputTokens', chunk.prompt_token_count);
  setCount(facts, 'outputTokens', chunk.generation_token_count);
  setFinish(facts, chunk.stop_reason);
  appendText(facts, options, chunk.generation);
  return nonEmpty(chunk.generation);
}

const LLAMA: InvokeFamily = {
  name: 'meta-llama',
  modelId: 'meta\\.llama',
  operation: 'text_completion',
  streams: true,
  readRequest: (body, options) =>
    readRequestWith(promptShape([param('max_gen_len', GEN_AI_REQUEST_MAX_TOKENS), param('temperature', GEN_AI_REQUEST_TEMPERATURE), param('top_p', GEN_AI_REQUEST_TOP_P)], 'prompt'), body, options),
  readBody(body, facts, options) {
    if (isObject(body)) readLlama(body, facts, options);
  },
  readChunk: (text, facts, options) => withObject(text, (chunk) => readLlama(chunk, facts, options)),
};

// ---- Mistral: `prompt` → `outputs[]` with `text` and `stop_reason` (no token counts: Bedrock's
// headers and invocation metrics give them). Mistral Large 2 answers in the chat-completions shape.

function readMistralOutputs(chunk: JsonObject, facts: ResponseFacts, options: ParseOptions): boolean {
  let content = false;
  const reasons: string[] = [];
  for (const output of arrayOrEmpty(chunk.outputs)) {
    if (!isObject(output)) continue;
    const reason = stringOrUndefined(output.stop_reason);
    if (reason !== undefined) reasons.push(reason);
    appendText(facts, options, output.text);
    content ||= nonEmpty(output.text);
  }
  if (reasons.length > 0) facts.finishReasons = reasons;
  return content;
}

const MISTRAL: InvokeFamily = {
  name: 'mistral',
  modelId: 'mistral\\.',
  operation: 'text_completion',
  streams: true,
  readRequest: (body, options) =>
    readRequestWith(
      promptShape(
        [
          param('max_tokens', GEN_AI_REQUEST_MAX_TOKENS),
          param('temperature', GEN_AI_REQUEST_TEMPERATURE),
          param('top_p', GEN_AI_REQUEST_TOP_P),
          param('top_k', GEN_AI_REQUEST_TOP_K),
          param('stop', GEN_AI_REQUEST_STOP_SEQUENCES, 'strings'),
        ],
        'prompt',
      ),
      body,
      options,
    ),
  readBody(body, facts, options) {
    if (!isObject(body)) return;
    if (Array.isArray(body.choices)) openAiChatParser.readResponse(body, facts, options);
    else readMistralOutputs(body, facts, options);
  },
  readChunk: (text, facts, options) =>
    withObject(text, (chunk) => (Array.isArray(chunk.choices) ? openAiChatParser.readEvent(text, undefined, facts, options) : readMistralOutputs(chunk, facts, options))),
};

// ---- Cohere Command (`prompt` → `generations[]`) and Command R (`message` → `text`); stream chunks
// carry `text` until the last, which has `is_finished` and `finish_reason`.

function readCohere(chunk: JsonObject, facts: ResponseFacts, options: ParseOptions): boolean {
  let content = false;
  for (const generation of arrayOrEmpty(chunk.generations)) {
    if (!isObject(generation)) continue;
    setFinish(facts, generation.finish_reason);
    appendText(facts, options, generation.text);
    content ||= nonEmpty(generation.text);
  }
  setFinish(facts, chunk.finish_reason);
  if (chunk.is_finished !== true) {
    appendText(facts, options, chunk.text);
    content ||= nonEmpty(chunk.text);
  }
  return content;
}

const cohereFamily = (name: string, modelId: string, operation: InvokeFamily['operation'], promptField: string): InvokeFamily => ({
  name,
  modelId,
  operation,
  streams: true,
  readRequest: (body, options) =>
    readRequestWith(
      promptShape(
        [
          param('max_tokens', GEN_AI_REQUEST_MAX_TOKENS),
          param('temperature', GEN_AI_REQUEST_TEMPERATURE),
          param('p', GEN_AI_REQUEST_TOP_P),
          param('k', GEN_AI_REQUEST_TOP_K),
          param('stop_sequences', GEN_AI_REQUEST_STOP_SEQUENCES, 'strings'),
        ],
        promptField,
      ),
      body,
      options,
    ),
  readBody(body, facts, options) {
    if (isObject(body)) readCohere({ ...body, is_finished: false }, facts, options);
  },
  readChunk: (text, facts, options) => withObject(text, (chunk) => readCohere(chunk, facts, options)),
});

// ---- Amazon Nova: Converse's shape in the body; each chunk wraps one Converse stream event
// (`{"contentBlockDelta": {...}}`).

const NOVA: InvokeFamily = {
  name: 'amazon-nova',
  modelId: 'amazon\\.nova',
  operation: 'chat',
  streams: true,
  readRequest: (body, options) => readConverseRequest(body, options, false),
  readBody(body, facts, options) {
    if (isObject(body)) readConverseResponse(body, facts, options);
  },
  readChunk: (text, facts, options) =>
    withObject(text, (chunk) => {
      let content = false;
      for (const type in chunk) {
        const event = chunk[type];
        if (isObject(event)) content = readConverseEvent(type, event, text, facts, options) || content;
      }
      return content;
    }),
};

// ---- Embeddings: Titan (`inputText` → `embedding`, `inputTextTokenCount`) and Cohere (`texts` →
// `embeddings`, a list of vectors or one per embedding type). Never streamed.

function firstVector(embeddings: unknown): unknown {
  if (Array.isArray(embeddings)) return embeddings[0];
  if (isObject(embeddings)) return arrayOrEmpty(Object.values(embeddings)[0])[0];
  return undefined;
}

const EMBEDDINGS: InvokeFamily = {
  name: 'embeddings',
  modelId: '(?:amazon\\.titan-embed|cohere\\.embed)',
  operation: 'embeddings',
  streams: false,
  readRequest: (body, options) =>
    readRequestWith(
      {
        params: [param('embeddingTypes', GEN_AI_REQUEST_ENCODING_FORMATS, 'strings'), param('embedding_types', GEN_AI_REQUEST_ENCODING_FORMATS, 'strings')],
        streamDefault: false,
        streamable: false,
      },
      body,
      options,
    ),
  readBody(body, facts) {
    if (!isObject(body)) return;
    setCount(facts, 'inputTokens', body.inputTextTokenCount);
    const vector = Array.isArray(body.embedding) ? body.embedding : firstVector(body.embeddings);
    if (Array.isArray(vector)) facts.embeddingDimensions = vector.length;
  },
  readChunk: () => false,
};

export const GENERIC_FAMILY: InvokeFamily = {
  name: 'generic',
  modelId: '',
  operation: 'chat',
  streams: true,
  readRequest: (body, options) => readRequestWith({ params: [], streamDefault: false, streamable: true }, body, options),
  readBody: () => undefined,
  readChunk: (text) => text !== '',
};

/** The families by model id, tried in order before GENERIC_FAMILY. */
export const INVOKE_FAMILIES: readonly InvokeFamily[] = [
  ANTHROPIC,
  TITAN,
  NOVA,
  LLAMA,
  MISTRAL,
  cohereFamily('cohere-command-r', 'cohere\\.command-r', 'chat', 'message'),
  cohereFamily('cohere-command', 'cohere\\.command', 'text_completion', 'prompt'),
  EMBEDDINGS,
];
