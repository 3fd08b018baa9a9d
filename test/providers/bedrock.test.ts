// Bedrock's parsers: Converse and ConverseStream, and InvokeModel's model families chosen by the
// model id in the path (their whole bodies, their stream chunks inside Bedrock's `chunk` events,
// Bedrock's own counts in headers and in the last chunk), and exceptions inside a stream. Streams
// are AWS event streams built by the simulator's encoder (the AWS SDK's codec), fed through the
// recorder's stream reader at message boundaries and at random cuts.
import { describe, expect, it } from 'vitest';
import { recognise } from '../../agent/providers/table.js';
import { emptyResponseFacts, type ProviderParser, type ResponseFacts } from '../../agent/providers/types.js';
import {
  GEN_AI_REQUEST_ENCODING_FORMATS,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_STREAM,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_K,
  GEN_AI_REQUEST_TOP_P,
} from '../../agent/semconv.js';
import { eventFrame, exceptionFrame } from '../../demo/simulator/eventstream.js';
import { cutPlans, messageBoundaryCuts, replay, type Replay } from './recordings.js';

const NO_CAPTURE = { captureContent: false };
const CAPTURE = { captureContent: true };
const METRICS = 'amazon-bedrock-invocationMetrics';

function parserOf(model: string, operation: 'converse' | 'converse-stream' | 'invoke' | 'invoke-with-response-stream'): ProviderParser {
  const call = recognise({ method: 'POST', host: 'bedrock-runtime.us-west-2.amazonaws.com', port: 443, path: `/model/${encodeURIComponent(model)}/${operation}` });
  expect(call, `${model} ${operation}`).toBeDefined();
  return call!.route.parser;
}

const concat = (frames: Uint8Array[]) => new Uint8Array(Buffer.concat(frames));
/** InvokeModelWithResponseStream's event: the family's JSON as base64, and Bedrock's padding. */
const chunk = (event: object) => eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64'), p: 'abcdef' });

/** Reads a stream at message boundaries and at random cuts; every run must agree, fast path on or off. */
function readStream(parser: ProviderParser, bytes: Uint8Array, options = NO_CAPTURE): Replay {
  const first = replay(parser, 'aws-eventstream', bytes, messageBoundaryCuts(bytes), options);
  for (const cuts of cutPlans(bytes.length, 20).slice(0, 200)) {
    for (const fastPath of [true, false]) {
      const run = replay(parser, 'aws-eventstream', bytes, cuts, options, { fastPath });
      expect({ cuts, facts: run.facts, content: run.contentEvents }).toEqual({ cuts, facts: first.facts, content: first.contentEvents });
    }
  }
  return first;
}

function readWhole(parser: ProviderParser, body: unknown, headers: Record<string, string> = {}, options = NO_CAPTURE): ResponseFacts {
  const facts = emptyResponseFacts();
  parser.readResponseHeaders?.((name) => headers[name], facts);
  parser.readResponse(body, facts, options);
  return facts;
}

describe('Converse', () => {
  const converse = parserOf('anthropic.claude-3-haiku-20240307-v1:0', 'converse');
  const converseStream = parserOf('anthropic.claude-3-haiku-20240307-v1:0', 'converse-stream');

  it('reads inferenceConfig and passed-through top_k; stream from the path; messages and system only when capturing', () => {
    const body = {
      messages: [
        { role: 'user', content: [{ text: 'What is the weather?' }, { image: { format: 'png', source: { bytes: 'AAAA' } } }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'weather', input: { city: 'Paris' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: 'sunny' }] } }] },
      ],
      system: [{ text: 'be brief' }],
      inferenceConfig: { maxTokens: 256, temperature: 0.3, topP: 0.9, stopSequences: ['END'] },
      additionalModelRequestFields: { top_k: 40 },
    };
    const attributes = {
      [GEN_AI_REQUEST_MAX_TOKENS]: 256,
      [GEN_AI_REQUEST_TEMPERATURE]: 0.3,
      [GEN_AI_REQUEST_TOP_P]: 0.9,
      [GEN_AI_REQUEST_STOP_SEQUENCES]: ['END'],
      [GEN_AI_REQUEST_TOP_K]: 40,
    };
    expect(converse.readRequest(body, NO_CAPTURE)).toEqual({ stream: false, attributes: { ...attributes, [GEN_AI_REQUEST_STREAM]: false } });
    const captured = converseStream.readRequest(body, CAPTURE);
    expect(captured).toMatchObject({ stream: true, attributes: { ...attributes, [GEN_AI_REQUEST_STREAM]: true } });
    expect(captured.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'What is the weather?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 't1', name: 'weather', arguments: { city: 'Paris' } }] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: 't1', response: [{ text: 'sunny' }] }] },
    ]);
    expect(captured.systemInstructions).toEqual([{ type: 'text', content: 'be brief' }]);
    expect(converse.readRequest('not an object', NO_CAPTURE)).toEqual({ stream: false, attributes: {} });
  });

  it('counts cache reads and writes into the input tokens, as the conventions want', () => {
    const facts = readWhole(converse, {
      output: { message: { role: 'assistant', content: [{ text: 'hi' }] } },
      stopReason: 'end_turn',
      usage: { inputTokens: 22, outputTokens: 5, totalTokens: 1830, cacheReadInputTokens: 1803, cacheWriteInputTokens: 0 },
    });
    expect(facts).toEqual({ finishReasons: ['end_turn'], inputTokens: 1825, cacheReadInputTokens: 1803, cacheCreationInputTokens: 0, outputTokens: 5 });
  });

  it('stream: text, tool-use input and reasoning deltas are content; block starts, stops and an empty delta are not', () => {
    const bytes = concat([
      eventFrame('messageStart', { p: 'abc', role: 'assistant' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Thinking' } }, p: 'a' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: '' }, p: 'ab' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Let me check.' } }),
      eventFrame('contentBlockStop', { contentBlockIndex: 1 }),
      eventFrame('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 't1', name: 'weather' } } }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"city":' } } }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '"Paris"}' } } }),
      eventFrame('contentBlockStop', { contentBlockIndex: 2 }),
      eventFrame('messageStop', { stopReason: 'tool_use' }),
      eventFrame('metadata', { usage: { inputTokens: 40, outputTokens: 12, totalTokens: 52 }, metrics: { latencyMs: 300 } }),
    ]);
    const run = readStream(converseStream, bytes);
    expect(run.facts).toEqual({ finishReasons: ['tool_use'], inputTokens: 40, outputTokens: 12 });
    expect(run.contentEvents).toBe(4);
    // The five deltas, the message start and the block boundaries are settled without a parse.
    expect(run.settled).toBe(9);
    expect(readStream(converseStream, bytes, CAPTURE).facts.outputText).toBe('Let me check.');
  });

  it('stream: an exception message is the error type, as Bedrock names it, whatever came before', () => {
    const bytes = concat([
      eventFrame('messageStart', { role: 'assistant' }),
      eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hel' } }),
      exceptionFrame('modelStreamErrorException', { message: 'Model stream error', originalStatusCode: 500 }),
    ]);
    const run = readStream(converseStream, bytes);
    expect(run.facts).toEqual({ finishReasons: [], errorType: 'modelStreamErrorException' });
    expect(run.contentEvents).toBe(1);
    const throttled = readStream(converseStream, exceptionFrame('throttlingException', { message: 'Too many tokens' }));
    expect(throttled.facts.errorType).toBe('throttlingException');
  });
});

describe('InvokeModel families, by the model id in the path', () => {
  it('Anthropic Messages (region prefix, ARN): the Anthropic parser reads body and events; Bedrock adds nothing it lacks', () => {
    const arn = 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0';
    for (const model of ['anthropic.claude-3-haiku-20240307-v1:0', 'us.anthropic.claude-3-haiku-20240307-v1:0', arn]) {
      const invoke = parserOf(model, 'invoke');
      expect(invoke.readRequest({ anthropic_version: 'bedrock-2023-05-31', max_tokens: 200, top_k: 5, messages: [{ role: 'user', content: 'hi' }] }, NO_CAPTURE)).toEqual({
        model: undefined,
        stream: false,
        attributes: { [GEN_AI_REQUEST_MAX_TOKENS]: 200, [GEN_AI_REQUEST_TOP_K]: 5, [GEN_AI_REQUEST_STREAM]: false },
      });
      const body = {
        id: 'msg_bdrk_01',
        type: 'message',
        role: 'assistant',
        model: 'claude-3-haiku-20240307',
        content: [{ type: 'text', text: 'Hello' }],
        stop_reason: 'end_turn',
        usage: { input_tokens: 9, output_tokens: 2 },
      };
      // The headers say the same; the body is read after them and stands.
      expect(readWhole(invoke, body, { 'x-amzn-bedrock-input-token-count': '9', 'x-amzn-bedrock-output-token-count': '2' })).toEqual({
        responseId: 'msg_bdrk_01',
        responseModel: 'claude-3-haiku-20240307',
        finishReasons: ['end_turn'],
        inputTokens: 9,
        outputTokens: 2,
      });
    }
    const stream = parserOf('us.anthropic.claude-3-haiku-20240307-v1:0', 'invoke-with-response-stream');
    const bytes = concat([
      chunk({ type: 'message_start', message: { id: 'msg_bdrk_02', type: 'message', role: 'assistant', model: 'claude-3-haiku-20240307', content: [], usage: { input_tokens: 14, output_tokens: 1 } } }),
      chunk({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }),
      chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }),
      chunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' there' } }),
      chunk({ type: 'content_block_stop', index: 0 }),
      chunk({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 3 } }),
      chunk({ type: 'message_stop', [METRICS]: { inputTokenCount: 14, outputTokenCount: 3, invocationLatency: 400, firstByteLatency: 200 } }),
    ]);
    const run = readStream(stream, bytes, CAPTURE);
    expect(run.facts).toEqual({ responseId: 'msg_bdrk_02', responseModel: 'claude-3-haiku-20240307', finishReasons: ['end_turn'], inputTokens: 14, outputTokens: 3, outputText: 'Hi there' });
    expect(run.contentEvents).toBe(2);
  });

  it('Anthropic Text Completions (claude-v2) stream: completion text is content, the last chunk has the stop reason and the metrics', () => {
    const stream = parserOf('anthropic.claude-v2:1', 'invoke-with-response-stream');
    const bytes = concat([
      chunk({ completion: ' North', stop_reason: null, stop: null }),
      chunk({ completion: ', South', stop_reason: null, stop: null }),
      chunk({ completion: '', stop_reason: 'stop_sequence', stop: '\n\nHuman:', [METRICS]: { inputTokenCount: 19, outputTokenCount: 4 } }),
    ]);
    expect(readStream(stream, bytes)).toMatchObject({ facts: { finishReasons: ['stop_sequence'], inputTokens: 19, outputTokens: 4 }, contentEvents: 2 });
  });

  it('Meta Llama: generation, counts and stop reason, in the body and in each chunk', () => {
    const invoke = parserOf('meta.llama3-8b-instruct-v1:0', 'invoke');
    expect(invoke.readRequest({ prompt: 'hi', max_gen_len: 64, temperature: 0.5, top_p: 0.9 }, CAPTURE)).toEqual({
      model: undefined,
      stream: false,
      attributes: { [GEN_AI_REQUEST_MAX_TOKENS]: 64, [GEN_AI_REQUEST_TEMPERATURE]: 0.5, [GEN_AI_REQUEST_TOP_P]: 0.9, [GEN_AI_REQUEST_STREAM]: false },
      inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }],
    });
    expect(readWhole(invoke, { generation: 'Hello!', prompt_token_count: 12, generation_token_count: 3, stop_reason: 'stop' })).toEqual({
      finishReasons: ['stop'],
      inputTokens: 12,
      outputTokens: 3,
    });
    const bytes = concat([
      chunk({ generation: 'Hel', prompt_token_count: 12, generation_token_count: 1, stop_reason: null }),
      chunk({ generation: 'lo', prompt_token_count: null, generation_token_count: 2, stop_reason: null }),
      chunk({ generation: '', prompt_token_count: null, generation_token_count: 3, stop_reason: 'length', [METRICS]: { inputTokenCount: 12, outputTokenCount: 3 } }),
    ]);
    expect(readStream(parserOf('us.meta.llama3-2-1b-instruct-v1:0', 'invoke-with-response-stream'), bytes)).toMatchObject({
      facts: { finishReasons: ['length'], inputTokens: 12, outputTokens: 3 },
      contentEvents: 2,
    });
  });

  it('Mistral: outputs with a stop reason, counts only from Bedrock (headers, invocation metrics); the chat shape of Mistral Large 2', () => {
    const invoke = parserOf('mistral.mistral-7b-instruct-v0:2', 'invoke');
    expect(invoke.readRequest({ prompt: '<s>[INST] hi [/INST]', max_tokens: 50, top_k: 20, stop: ['</s>'] }, NO_CAPTURE).attributes).toEqual({
      [GEN_AI_REQUEST_MAX_TOKENS]: 50,
      [GEN_AI_REQUEST_TOP_K]: 20,
      [GEN_AI_REQUEST_STOP_SEQUENCES]: ['</s>'],
      [GEN_AI_REQUEST_STREAM]: false,
    });
    expect(readWhole(invoke, { outputs: [{ text: 'Hello', stop_reason: 'stop' }] }, { 'x-amzn-bedrock-input-token-count': '10', 'x-amzn-bedrock-output-token-count': '2' })).toEqual({
      finishReasons: ['stop'],
      inputTokens: 10,
      outputTokens: 2,
    });
    expect(readWhole(parserOf('mistral.mistral-large-2407-v1:0', 'invoke'), { id: 'c1', object: 'chat.completion', model: 'mistral-large', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } })).toMatchObject({
      finishReasons: ['stop'],
      inputTokens: 5,
      outputTokens: 1,
    });
    const bytes = concat([
      chunk({ outputs: [{ text: 'Hel', stop_reason: null }] }),
      chunk({ outputs: [{ text: 'lo', stop_reason: 'stop' }], [METRICS]: { inputTokenCount: 10, outputTokenCount: 2 } }),
    ]);
    expect(readStream(parserOf('mistral.mixtral-8x7b-instruct-v0:1', 'invoke-with-response-stream'), bytes)).toMatchObject({
      facts: { finishReasons: ['stop'], inputTokens: 10, outputTokens: 2 },
      contentEvents: 2,
    });
  });

  it('Cohere Command R and Command: text and finish reasons; p and k are top_p and top_k', () => {
    const commandR = parserOf('cohere.command-r-v1:0', 'invoke');
    expect(commandR.readRequest({ message: 'hi', max_tokens: 30, p: 0.8, k: 10, stop_sequences: ['x'] }, CAPTURE)).toMatchObject({
      attributes: { [GEN_AI_REQUEST_MAX_TOKENS]: 30, [GEN_AI_REQUEST_TOP_P]: 0.8, [GEN_AI_REQUEST_TOP_K]: 10, [GEN_AI_REQUEST_STOP_SEQUENCES]: ['x'] },
      inputMessages: [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }],
    });
    expect(readWhole(commandR, { response_id: 'r1', text: 'Hello', generation_id: 'g1', finish_reason: 'COMPLETE' }, {}, CAPTURE)).toEqual({ finishReasons: ['COMPLETE'], outputText: 'Hello' });
    expect(readWhole(parserOf('cohere.command-text-v14', 'invoke'), { id: 'x', generations: [{ id: 'g', text: 'Hi', finish_reason: 'MAX_TOKENS' }], prompt: 'hi' })).toEqual({ finishReasons: ['MAX_TOKENS'] });
    const bytes = concat([
      chunk({ is_finished: false, event_type: 'text-generation', text: 'Hel' }),
      chunk({ is_finished: false, event_type: 'text-generation', text: 'lo' }),
      chunk({ is_finished: true, event_type: 'stream-end', response: { text: 'Hello' }, finish_reason: 'COMPLETE', [METRICS]: { inputTokenCount: 4, outputTokenCount: 2 } }),
    ]);
    expect(readStream(parserOf('cohere.command-r-plus-v1:0', 'invoke-with-response-stream'), bytes, CAPTURE)).toMatchObject({
      facts: { finishReasons: ['COMPLETE'], inputTokens: 4, outputTokens: 2, outputText: 'Hello' },
      contentEvents: 2,
    });
  });

  it('Amazon Nova: Converse\'s shape in the body and one Converse event per chunk; its own cache-count names', () => {
    const invoke = parserOf('us.amazon.nova-pro-v1:0', 'invoke');
    expect(invoke.readRequest({ schemaVersion: 'messages-v1', messages: [{ role: 'user', content: [{ text: 'hi' }] }], inferenceConfig: { max_new_tokens: 100, top_p: 0.9, top_k: 20 } }, NO_CAPTURE).attributes).toEqual({
      [GEN_AI_REQUEST_MAX_TOKENS]: 100,
      [GEN_AI_REQUEST_TOP_P]: 0.9,
      [GEN_AI_REQUEST_TOP_K]: 20,
      [GEN_AI_REQUEST_STREAM]: false,
    });
    expect(
      readWhole(invoke, {
        output: { message: { content: [{ text: 'Hello' }], role: 'assistant' } },
        stopReason: 'end_turn',
        usage: { inputTokens: 5, outputTokens: 2, totalTokens: 17, cacheReadInputTokenCount: 10, cacheWriteInputTokenCount: 0 },
      }),
    ).toEqual({ finishReasons: ['end_turn'], inputTokens: 15, cacheReadInputTokens: 10, cacheCreationInputTokens: 0, outputTokens: 2 });
    const bytes = concat([
      chunk({ messageStart: { role: 'assistant' } }),
      chunk({ contentBlockDelta: { delta: { text: 'Hel' }, contentBlockIndex: 0 } }),
      chunk({ contentBlockDelta: { delta: { text: 'lo' }, contentBlockIndex: 0 } }),
      chunk({ contentBlockStop: { contentBlockIndex: 0 } }),
      chunk({ messageStop: { stopReason: 'end_turn' } }),
      chunk({ metadata: { usage: { inputTokens: 5, outputTokens: 2 }, metrics: {}, trace: {} }, [METRICS]: { inputTokenCount: 5, outputTokenCount: 2 } }),
    ]);
    expect(readStream(parserOf('amazon.nova-lite-v1:0', 'invoke-with-response-stream'), bytes)).toMatchObject({
      facts: { finishReasons: ['end_turn'], inputTokens: 5, outputTokens: 2 },
      contentEvents: 2,
    });
  });

  it('embeddings (Titan, Cohere): dimension count and input tokens; never a stream attribute', () => {
    const titan = parserOf('amazon.titan-embed-text-v2:0', 'invoke');
    expect(titan.readRequest({ inputText: 'hi', dimensions: 256, embeddingTypes: ['float'] }, NO_CAPTURE)).toEqual({
      model: undefined,
      stream: false,
      attributes: { [GEN_AI_REQUEST_ENCODING_FORMATS]: ['float'] },
    });
    expect(readWhole(titan, { embedding: [0.1, 0.2, 0.3], inputTextTokenCount: 2 })).toEqual({ finishReasons: [], inputTokens: 2, embeddingDimensions: 3 });
    const cohere = parserOf('cohere.embed-english-v3', 'invoke');
    expect(readWhole(cohere, { id: 'e', embeddings: [[1, 2], [3, 4]], texts: ['a', 'b'] }, { 'x-amzn-bedrock-input-token-count': '2' })).toEqual({
      finishReasons: [],
      inputTokens: 2,
      embeddingDimensions: 2,
    });
    expect(readWhole(cohere, { id: 'e', embeddings: { float: [[1, 2, 3]] }, response_type: 'embeddings_by_type' }).embeddingDimensions).toBe(3);
  });

  it('a model id no family claims (an application inference profile): Bedrock\'s own counts, every chunk taken as content', () => {
    const profile = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3';
    expect(readWhole(parserOf(profile, 'invoke'), { whatever: true }, { 'x-amzn-bedrock-input-token-count': '7', 'x-amzn-bedrock-output-token-count': '3' })).toEqual({
      finishReasons: [],
      inputTokens: 7,
      outputTokens: 3,
    });
    const bytes = concat([chunk({ a: 'x' }), chunk({ b: 'y', [METRICS]: { inputTokenCount: 7, outputTokenCount: 3 } })]);
    expect(readStream(parserOf(profile, 'invoke-with-response-stream'), bytes)).toMatchObject({ facts: { inputTokens: 7, outputTokens: 3 }, contentEvents: 2 });
  });

  it('an exception in an InvokeModel stream, and a chunk that is not what Bedrock sends, never throw', () => {
    const stream = parserOf('amazon.titan-text-express-v1', 'invoke-with-response-stream');
    const bytes = concat([
      eventFrame('chunk', { bytes: 'not base64 json!' }),
      eventFrame('chunk', { nothing: 1 }),
      chunk({ outputText: 'Hi', completionReason: null }),
      exceptionFrame('modelTimeoutException', { message: 'timed out' }),
    ]);
    expect(readStream(stream, bytes)).toMatchObject({ facts: { errorType: 'modelTimeoutException' }, contentEvents: 1 });
  });

  it('token headers that are not counts are ignored', () => {
    const invoke = parserOf('amazon.titan-text-express-v1', 'invoke');
    expect(readWhole(invoke, {}, { 'x-amzn-bedrock-input-token-count': 'many', 'x-amzn-bedrock-output-token-count': '-1' })).toEqual({ finishReasons: [] });
  });
});
