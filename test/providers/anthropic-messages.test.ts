// Anthropic Messages: content deltas, usage arithmetic, in-stream errors, request reading.
import { describe, expect, it } from 'vitest';
import { anthropicMessagesParser as parser } from '../../agent/providers/anthropic-messages.js';
import { createStreamDecoder } from './stream-decoder.js';
import { emptyResponseFacts, type ParseOptions, type ResponseFacts } from '../../agent/providers/types.js';
import { GEN_AI_REQUEST_STOP_SEQUENCES, GEN_AI_REQUEST_TEMPERATURE, GEN_AI_REQUEST_TOP_K } from '../../agent/semconv.js';

const SCAN: ParseOptions = { captureContent: false };
const CAPTURE: ParseOptions = { captureContent: true };

/** Feeds an SSE body and returns the facts and which events were content. */
function run(body: string, options = SCAN): { facts: ResponseFacts; content: boolean[] } {
  const facts = emptyResponseFacts();
  const content: boolean[] = [];
  const decoder = createStreamDecoder('sse', (data, event) => content.push(parser.readEvent(data, event, facts, options)));
  decoder.push(new TextEncoder().encode(body));
  decoder.end();
  return { facts, content };
}

const sse = (event: string, data: object): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

const messageStart = sse('message_start', {
  type: 'message_start',
  message: { id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [], stop_reason: null, usage: { input_tokens: 10, cache_read_input_tokens: 100, cache_creation_input_tokens: 20, output_tokens: 1 } },
});
const delta = (d: object): string => sse('content_block_delta', { type: 'content_block_delta', index: 0, delta: d });

describe('Anthropic stream events', () => {
  it('counts text, tool input and thinking deltas as content; not signatures, empty deltas, pings or block starts', () => {
    const body = [
      messageStart,
      sse('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '' } }),
      sse('ping', { type: 'ping' }),
      delta({ type: 'thinking_delta', thinking: 'Let me think' }),
      delta({ type: 'signature_delta', signature: 'EqQBCgIYAhIM' }),
      delta({ type: 'text_delta', text: 'Hello' }),
      delta({ type: 'text_delta', text: '' }),
      delta({ type: 'input_json_delta', partial_json: '' }),
      delta({ type: 'input_json_delta', partial_json: '{"city": "Par' }),
      sse('content_block_stop', { type: 'content_block_stop', index: 0 }),
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } }),
      sse('message_stop', { type: 'message_stop' }),
    ].join('');
    for (const options of [SCAN, CAPTURE]) {
      const { facts, content } = run(body, options);
      expect(content).toEqual([false, false, false, true, false, true, false, false, true, false, false, false]);
      expect(facts).toMatchObject({
        responseId: 'msg_1',
        responseModel: 'claude-sonnet-4-5',
        finishReasons: ['tool_use'],
        // The conventions' input_tokens include cache reads and writes: 10 + 100 + 20.
        inputTokens: 130,
        cacheReadInputTokens: 100,
        cacheCreationInputTokens: 20,
        outputTokens: 42,
      });
    }
    expect(run(body, CAPTURE).facts.outputText).toBe('Hello');
  });

  it('takes input counts from message_delta when it repeats them, keeping what it leaves out', () => {
    const body =
      messageStart +
      sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 12, output_tokens: 50 } });
    expect(run(body).facts).toMatchObject({ inputTokens: 132, cacheReadInputTokens: 100, cacheCreationInputTokens: 20, outputTokens: 50 });
    const cacheOnly =
      messageStart + sse('message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { cache_read_input_tokens: 0, output_tokens: 5 } });
    expect(run(cacheOnly).facts).toMatchObject({ inputTokens: 30, cacheReadInputTokens: 0, cacheCreationInputTokens: 20 });
  });

  it('records an in-stream error event by its error type', () => {
    const body = messageStart + delta({ type: 'text_delta', text: 'Hi' }) + sse('error', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
    const { facts, content } = run(body);
    expect(content).toEqual([false, true, false]);
    expect(facts.errorType).toBe('overloaded_error');
  });

  it('reads events without an event: line from the data type, and survives malformed data', () => {
    const facts = emptyResponseFacts();
    expect(parser.readEvent('{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}', undefined, facts, SCAN)).toBe(true);
    // A reordered object whose first "type" is the delta's: parsed to find the real type.
    expect(parser.readEvent('{"delta":{"type":"text_delta","text":"y"},"type":"content_block_delta"}', undefined, facts, SCAN)).toBe(true);
    expect(parser.readEvent('{"delta":{"stop_reason":"max_tokens"},"type":"message_delta"}', undefined, facts, SCAN)).toBe(false);
    expect(facts.finishReasons).toEqual(['max_tokens']);
    for (const data of ['{"type":"message_start","message":', 'nope', '']) {
      expect(parser.readEvent(data, 'message_start', facts, SCAN)).toBe(false);
    }
  });

  it('reads an error body returned with a 200 or an error status', () => {
    const facts = emptyResponseFacts();
    parser.readResponse({ type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } }, facts, SCAN);
    expect(facts).toEqual({ finishReasons: [], errorType: 'rate_limit_error' });
  });
});

describe('Anthropic request', () => {
  const body = {
    model: 'claude-sonnet-4-5',
    max_tokens: 512,
    temperature: 0.2,
    top_k: 40,
    stop_sequences: ['\n\nHuman:'],
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'weather', input: { city: 'Paris' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '18C' }, { type: 'image', source: {} }] },
    ],
  };

  it('reads parameters without content unless capture is on', () => {
    const facts = parser.readRequest(body, SCAN);
    expect(facts.model).toBe('claude-sonnet-4-5');
    expect(facts.stream).toBe(false);
    expect(facts.attributes).toMatchObject({ [GEN_AI_REQUEST_TEMPERATURE]: 0.2, [GEN_AI_REQUEST_TOP_K]: 40, [GEN_AI_REQUEST_STOP_SEQUENCES]: ['\n\nHuman:'] });
    expect(facts.inputMessages).toBeUndefined();
    expect(facts.systemInstructions).toBeUndefined();
  });

  it('reads messages, tool calls and a separate system prompt when capturing', () => {
    const facts = parser.readRequest(body, CAPTURE);
    expect(facts.systemInstructions).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(facts.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Paris?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'toolu_1', name: 'weather', arguments: { city: 'Paris' } }] },
      { role: 'user', parts: [{ type: 'tool_call_response', id: 'toolu_1', response: '18C' }] },
    ]);
    expect(parser.readRequest({ ...body, system: 'Plain string.' }, CAPTURE).systemInstructions).toEqual([{ type: 'text', content: 'Plain string.' }]);
  });
});
