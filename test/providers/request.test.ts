// Reading request parameters, embeddings responses, and asking a stream for usage.
import { describe, expect, it } from 'vitest';
import { openAiChatParser } from '../../agent/providers/openai-chat.js';
import { openAiEmbeddingsParser } from '../../agent/providers/openai-embeddings.js';
import { emptyResponseFacts } from '../../agent/providers/types.js';
import {
  GEN_AI_REQUEST_CHOICE_COUNT,
  GEN_AI_REQUEST_FREQUENCY_PENALTY,
  GEN_AI_REQUEST_MAX_TOKENS,
  GEN_AI_REQUEST_PRESENCE_PENALTY,
  GEN_AI_REQUEST_SEED,
  GEN_AI_REQUEST_STOP_SEQUENCES,
  GEN_AI_REQUEST_STREAM,
  GEN_AI_REQUEST_TEMPERATURE,
  GEN_AI_REQUEST_TOP_P,
} from '../../agent/semconv.js';

const NO_CAPTURE = { captureContent: false };

describe('OpenAI chat request parameters', () => {
  it('maps every sampling parameter, stop always as an array', () => {
    const body = {
      model: 'gpt-4o',
      stream: true,
      max_completion_tokens: 500,
      temperature: 0,
      top_p: 0.9,
      frequency_penalty: 0.5,
      presence_penalty: -0.5,
      stop: '###',
      seed: 1234,
      n: 3,
      messages: [{ role: 'user', content: 'hi' }],
    };
    expect(openAiChatParser.readRequest(body, NO_CAPTURE)).toEqual({
      model: 'gpt-4o',
      stream: true,
      attributes: {
        [GEN_AI_REQUEST_MAX_TOKENS]: 500,
        [GEN_AI_REQUEST_TEMPERATURE]: 0,
        [GEN_AI_REQUEST_TOP_P]: 0.9,
        [GEN_AI_REQUEST_FREQUENCY_PENALTY]: 0.5,
        [GEN_AI_REQUEST_PRESENCE_PENALTY]: -0.5,
        [GEN_AI_REQUEST_STOP_SEQUENCES]: ['###'],
        [GEN_AI_REQUEST_SEED]: 1234,
        [GEN_AI_REQUEST_CHOICE_COUNT]: 3,
        [GEN_AI_REQUEST_STREAM]: true,
      },
    });
  });

  it('leaves out n = 1, wrong types, and anything when the body is not an object', () => {
    const facts = openAiChatParser.readRequest({ model: 42, n: 1, temperature: 'hot', stop: [1, 2], max_tokens: null }, NO_CAPTURE);
    expect(facts).toEqual({ model: undefined, stream: false, attributes: { [GEN_AI_REQUEST_STREAM]: false } });
    expect(openAiChatParser.readRequest('not an object', NO_CAPTURE)).toEqual({ stream: false, attributes: {} });
  });

  it('reads tool calls and tool results into input messages', () => {
    const facts = openAiChatParser.readRequest(
      {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'user', content: [{ type: 'text', text: 'Look:' }, { type: 'image_url', image_url: { url: 'data:' } }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
          { role: 'tool', tool_call_id: 'call_1', content: 'done' },
        ],
      },
      { captureContent: true },
    );
    expect(facts.inputMessages).toEqual([
      { role: 'system', parts: [{ type: 'text', content: 'Be kind.' }] },
      { role: 'user', parts: [{ type: 'text', content: 'Look:' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'f', arguments: '{}' }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'done' }] },
    ]);
  });
});

describe('requestUsageInStream', () => {
  const ask = openAiChatParser.requestUsageInStream!;

  it('adds include_usage to a streaming request, keeping other stream options', () => {
    const body = { model: 'm', stream: true, stream_options: { continuous_usage_stats: true } };
    expect(ask(body)).toEqual({ model: 'm', stream: true, stream_options: { continuous_usage_stats: true, include_usage: true } });
    expect(body.stream_options).toEqual({ continuous_usage_stats: true }); // the app's object is untouched
    expect(ask({ model: 'm', stream: true })).toEqual({ model: 'm', stream: true, stream_options: { include_usage: true } });
  });

  it('leaves alone non-streaming requests and ones that already chose', () => {
    expect(ask({ model: 'm' })).toBeUndefined();
    expect(ask({ model: 'm', stream: false })).toBeUndefined();
    expect(ask({ model: 'm', stream: true, stream_options: { include_usage: false } })).toBeUndefined();
    expect(ask({ model: 'm', stream: true, stream_options: { include_usage: true } })).toBeUndefined();
  });
});

describe('embeddings response', () => {
  it('counts dimensions of a base64 embedding (float32s)', () => {
    const floats = new Float32Array(768).fill(0.25);
    const base64 = Buffer.from(floats.buffer).toString('base64');
    const facts = emptyResponseFacts();
    openAiEmbeddingsParser.readResponse({ model: 'nomic-embed-text', data: [{ embedding: base64 }], usage: { prompt_tokens: 5 } }, facts, NO_CAPTURE);
    expect(facts).toEqual({ responseModel: 'nomic-embed-text', finishReasons: [], inputTokens: 5, embeddingDimensions: 768 });
  });
});
