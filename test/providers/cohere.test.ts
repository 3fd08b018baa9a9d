// Cohere's API through its parsers: request parameters, v2's typed SSE events, v1's event_type
// lines, tool calls, failures reported in the stream, embeddings in both shapes, content capture.
import { describe, expect, it } from 'vitest';
import { cohereEmbedParser, cohereRerankParser, cohereV1Parser, cohereV2ChatParser } from '../../agent/providers/cohere.js';
import { emptyResponseFacts, type ParseOptions, type ProviderParser, type ResponseFacts, type StreamFormat } from '../../agent/providers/types.js';
import * as attr from '../../agent/semconv.js';
import { cutPlans, replay } from './recordings.js';

const SCAN: ParseOptions = { captureContent: false };
const CAPTURE: ParseOptions = { captureContent: true };

const sse = (events: object[]) => events.map((e) => `event: ${(e as { type: string }).type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
const ndjson = (lines: object[]) => lines.map((l) => `${JSON.stringify(l)}\n`).join('');

/** Every cut plan gives the same answer, fast path or not; returns it. */
function read(parser: ProviderParser, format: StreamFormat, body: string, options = SCAN): { facts: ResponseFacts; content: number } {
  const bytes = new TextEncoder().encode(body);
  let first: { facts: ResponseFacts; content: number } | undefined;
  for (const cuts of cutPlans(bytes.length, 10)) {
    for (const fastPath of [true, false]) {
      const run = replay(parser, format, bytes, cuts, options, { fastPath });
      const answer = { facts: run.facts, content: run.contentEvents };
      first ??= answer;
      expect(answer).toEqual(first);
    }
  }
  return first!;
}

const V2_TOOL_STREAM = sse([
  { type: 'message-start', id: 'msg-1', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } },
  { type: 'tool-plan-delta', delta: { message: { tool_plan: 'I will look it up.' } } },
  { type: 'tool-call-start', index: 0, delta: { message: { tool_calls: { id: 't1', type: 'function', function: { name: 'lookup', arguments: '' } } } } },
  { type: 'tool-call-delta', index: 0, delta: { message: { tool_calls: { function: { arguments: '{"q":' } } } } },
  { type: 'tool-call-delta', index: 0, delta: { message: { tool_calls: { function: { arguments: '' } } } } },
  { type: 'tool-call-end', index: 0 },
  { type: 'citation-start', index: 0, delta: { message: { citations: { start: 0, end: 3, text: 'Not content', sources: [] } } } },
  { type: 'citation-end', index: 0 },
  { type: 'message-end', delta: { finish_reason: 'TOOL_CALL', usage: { billed_units: { input_tokens: 126, output_tokens: 84 }, tokens: { input_tokens: 1589, output_tokens: 135 }, cached_tokens: 1024 } } },
]);

describe('Cohere requests', () => {
  it('reads p as top_p, k as top_k, and the other generation parameters', () => {
    const body = {
      model: 'command-a-03-2025',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      max_tokens: 300,
      temperature: 0.3,
      p: 0.75,
      k: 40,
      stop_sequences: ['END'],
      seed: 7,
      frequency_penalty: 0.1,
      presence_penalty: 0.2,
    };
    expect(cohereV2ChatParser.readRequest(body, SCAN)).toEqual({
      model: 'command-a-03-2025',
      stream: true,
      attributes: {
        [attr.GEN_AI_REQUEST_MAX_TOKENS]: 300,
        [attr.GEN_AI_REQUEST_TEMPERATURE]: 0.3,
        [attr.GEN_AI_REQUEST_TOP_P]: 0.75,
        [attr.GEN_AI_REQUEST_TOP_K]: 40,
        [attr.GEN_AI_REQUEST_STOP_SEQUENCES]: ['END'],
        [attr.GEN_AI_REQUEST_SEED]: 7,
        [attr.GEN_AI_REQUEST_FREQUENCY_PENALTY]: 0.1,
        [attr.GEN_AI_REQUEST_PRESENCE_PENALTY]: 0.2,
        [attr.GEN_AI_REQUEST_STREAM]: true,
      },
    });
  });

  it('v1 generate: num_generations as the choice count; streams only when asked', () => {
    expect(cohereV1Parser.readRequest({ prompt: 'p', num_generations: 3 }, SCAN)).toEqual({
      model: undefined,
      stream: false,
      attributes: { [attr.GEN_AI_REQUEST_CHOICE_COUNT]: 3, [attr.GEN_AI_REQUEST_STREAM]: false },
    });
  });

  it('embed: embedding_types as the encoding formats, no stream attribute', () => {
    expect(cohereEmbedParser.readRequest({ model: 'embed-v4.0', texts: ['a'], embedding_types: ['float', 'int8'] }, SCAN).attributes).toEqual({
      [attr.GEN_AI_REQUEST_ENCODING_FORMATS]: ['float', 'int8'],
    });
    expect(cohereRerankParser.readRequest({ model: 'rerank-v3.5', query: 'q', documents: ['a'], top_n: 1 }, SCAN)).toEqual({ model: 'rerank-v3.5', stream: false, attributes: {} });
  });

  it('captures v1 chat history with its roles, the message and the preamble; v2 messages as they are', () => {
    const v1 = cohereV1Parser.readRequest(
      { message: 'And now?', preamble: 'Be brief.', chat_history: [{ role: 'USER', message: 'Hi' }, { role: 'CHATBOT', message: 'Hello' }] },
      CAPTURE,
    );
    expect(v1.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Hi' }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }] },
      { role: 'user', parts: [{ type: 'text', content: 'And now?' }] },
    ]);
    expect(v1.systemInstructions).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(cohereV1Parser.readRequest({ prompt: 'Tell me' }, CAPTURE).inputMessages).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'Tell me' }] }]);
    const v2 = cohereV2ChatParser.readRequest({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: [{ type: 'text', text: 'U' }] }] }, CAPTURE);
    expect(v2.inputMessages).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'S' }] },
      { role: 'user', parts: [{ type: 'text', content: 'U' }] },
    ]);
  });
});

describe('Cohere v2 streams', () => {
  it('a tool plan and tool-call deltas are content, a citation is not; cached tokens are cache reads', () => {
    const { facts, content } = read(cohereV2ChatParser, 'sse', V2_TOOL_STREAM);
    expect(facts).toEqual({ responseId: 'msg-1', finishReasons: ['TOOL_CALL'], inputTokens: 1589, outputTokens: 135, cacheReadInputTokens: 1024 });
    expect(content).toBe(3);
  });

  it('falls back to billed units when a response has no token counts', () => {
    const body = sse([{ type: 'message-end', delta: { finish_reason: 'MAX_TOKENS', usage: { billed_units: { input_tokens: 3, output_tokens: 9 } } } }]);
    expect(read(cohereV2ChatParser, 'sse', body).facts).toEqual({ finishReasons: ['MAX_TOKENS'], inputTokens: 3, outputTokens: 9 });
  });

  it('a failed generation (finish reason ERROR, an error in message-end) is an error of type _OTHER', () => {
    const body = sse([
      { type: 'message-start', id: 'm2', delta: { message: { role: 'assistant' } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { text: 'Hel' } } } },
      { type: 'message-end', delta: { finish_reason: 'ERROR', error: 'internal error' } },
    ]);
    expect(read(cohereV2ChatParser, 'sse', body)).toEqual({ facts: { responseId: 'm2', finishReasons: ['ERROR'], errorType: '_OTHER' }, content: 1 });
  });

  it('captures the text of content deltas, and the whole body\'s text blocks', () => {
    const body = sse([
      { type: 'content-start', index: 0, delta: { message: { content: { type: 'text', text: '' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { text: 'Hel' } } } },
      { type: 'content-delta', index: 0, delta: { message: { content: { text: 'lo' } } } },
    ]);
    expect(read(cohereV2ChatParser, 'sse', body, CAPTURE).facts.outputText).toBe('Hello');
    const facts = emptyResponseFacts();
    cohereV2ChatParser.readResponse({ id: 'x', finish_reason: 'COMPLETE', message: { role: 'assistant', content: [{ type: 'text', text: 'Hi' }] } }, facts, CAPTURE);
    expect(facts).toEqual({ responseId: 'x', finishReasons: ['COMPLETE'], outputText: 'Hi' });
  });
});

describe('Cohere v1 streams', () => {
  const chatStream = ndjson([
    { is_finished: false, event_type: 'stream-start', generation_id: 'gen-1' },
    { is_finished: false, event_type: 'search-queries-generation', search_queries: [{ text: 'not content', generation_id: 'g' }] },
    { is_finished: false, event_type: 'text-generation', text: 'Hi' },
    { is_finished: false, event_type: 'text-generation', text: '' },
    { is_finished: false, event_type: 'citation-generation', citations: [{ start: 0, end: 2, text: 'Hi', document_ids: [] }] },
    { is_finished: false, event_type: 'tool-calls-chunk', tool_call_delta: { index: 0, name: 'lookup' } },
    { is_finished: false, event_type: 'tool-calls-chunk', tool_call_delta: { index: 0, parameters: '' } },
    { is_finished: false, event_type: 'tool-calls-generation', tool_calls: [{ name: 'lookup', parameters: { q: 'x' } }] },
    {
      is_finished: true,
      event_type: 'stream-end',
      finish_reason: 'COMPLETE',
      response: { generation_id: 'gen-1', text: 'Hi', finish_reason: 'COMPLETE', meta: { billed_units: { input_tokens: 5, output_tokens: 2 }, tokens: { input_tokens: 71, output_tokens: 2 } } },
    },
  ]);

  it('chat: text and tool calls are content, search queries and citations are not; the end has the rest', () => {
    expect(read(cohereV1Parser, 'ndjson', chatStream)).toEqual({ facts: { responseId: 'gen-1', finishReasons: ['COMPLETE'], inputTokens: 71, outputTokens: 2 }, content: 3 });
    expect(read(cohereV1Parser, 'ndjson', chatStream, CAPTURE).facts.outputText).toBe('Hi');
  });

  it('generate: a stream-error ends it as an error', () => {
    const body = ndjson([
      { text: ' Plu', is_finished: false, event_type: 'text-generation' },
      { is_finished: true, event_type: 'stream-error', finish_reason: 'ERROR', err: 'something broke' },
    ]);
    expect(read(cohereV1Parser, 'ndjson', body)).toEqual({ facts: { finishReasons: ['ERROR'], errorType: '_OTHER' }, content: 1 });
  });

  it('a whole generate body: one finish reason per generation, the first generation\'s text', () => {
    const facts = emptyResponseFacts();
    cohereV1Parser.readResponse(
      { id: 'g', generations: [{ id: 'a', text: 'one', finish_reason: 'COMPLETE' }, { id: 'b', text: 'two', finish_reason: 'MAX_TOKENS' }], meta: { billed_units: { input_tokens: 8, output_tokens: 442 } } },
      facts,
      CAPTURE,
    );
    expect(facts).toEqual({ responseId: 'g', finishReasons: ['COMPLETE', 'MAX_TOKENS'], inputTokens: 8, outputTokens: 442, outputText: 'one' });
  });
});

describe('Cohere embeddings', () => {
  it('v1 floats and by-type bodies give the vector length; binary types are not taken for dimensions', () => {
    const floats = emptyResponseFacts();
    cohereEmbedParser.readResponse({ id: 'e1', response_type: 'embeddings_floats', embeddings: [[0.1, 0.2, 0.3]], meta: { billed_units: { input_tokens: 2 } } }, floats, SCAN);
    expect(floats).toEqual({ responseId: 'e1', finishReasons: [], inputTokens: 2, embeddingDimensions: 3 });
    const byType = emptyResponseFacts();
    cohereEmbedParser.readResponse({ id: 'e2', embeddings: { ubinary: [[1]], int8: [[1, 2, 3, 4]] } }, byType, SCAN);
    expect(byType.embeddingDimensions).toBe(4);
    const binaryOnly = emptyResponseFacts();
    cohereEmbedParser.readResponse({ id: 'e3', embeddings: { binary: [[1]] } }, binaryOnly, SCAN);
    expect(binaryOnly.embeddingDimensions).toBeUndefined();
  });
});
