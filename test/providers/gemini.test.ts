// Gemini (the Gemini API and Vertex AI) and Claude on Vertex AI: request attributes from
// generationConfig, usage with thinking and cache reads, finish reasons per candidate, content
// chunks, errors in Google's shape, embeddings, and whole exchanges through the exchange reader in
// every stream format Gemini answers with (SSE, the JSON array piece by piece, one JSON body).
import { describe, expect, it } from 'vitest';
import { ExchangeReader } from '../../agent/providers/exchange-reader.js';
import { geminiParser } from '../../agent/providers/gemini.js';
import { geminiEmbeddingsParser } from '../../agent/providers/gemini-embeddings.js';
import { recognise } from '../../agent/providers/table.js';
import { emptyResponseFacts, type RecognisedCall, type ResponseFacts } from '../../agent/providers/types.js';
import { redactUrl } from '../../agent/spans/redact.js';
import * as attr from '../../agent/semconv.js';
import { createStreamDecoder } from './stream-decoder.js';

const NO_CAPTURE = { captureContent: false };
const CAPTURE = { captureContent: true };
const GEMINI = 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash';
const VERTEX = 'https://us-central1-aiplatform.googleapis.com/v1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro';

function callOf(url: string): RecognisedCall {
  const parsed = new URL(url);
  const call = recognise({ method: 'POST', host: parsed.hostname, port: 443, path: parsed.pathname });
  expect(call, url).toBeDefined();
  return call!;
}

const contents = [
  { role: 'user', parts: [{ text: 'What is the weather in Paris?' }] },
  { role: 'model', parts: [{ functionCall: { id: 'c1', name: 'weather', args: { city: 'Paris' } } }] },
  { role: 'user', parts: [{ functionResponse: { id: 'c1', name: 'weather', response: { sky: 'rain' } } }] },
];

describe('Gemini request', () => {
  const body = {
    contents,
    systemInstruction: { parts: [{ text: 'be brief' }] },
    generationConfig: {
      maxOutputTokens: 256,
      temperature: 0.3,
      topP: 0.9,
      topK: 40,
      stopSequences: ['END'],
      candidateCount: 2,
      seed: 7,
      presencePenalty: 0.1,
      frequencyPenalty: 0.2,
      thinkingConfig: { thinkingBudget: 64 },
    },
  };

  it('reads generationConfig into gen_ai.request.*; the model is the path\'s', () => {
    const reader = new ExchangeReader(callOf(`${GEMINI}:generateContent`), NO_CAPTURE);
    expect(reader.readRequest(JSON.stringify(body))).toEqual({
      model: 'gemini-2.5-flash',
      stream: false,
      attributes: {
        [attr.GEN_AI_REQUEST_MAX_TOKENS]: 256,
        [attr.GEN_AI_REQUEST_TEMPERATURE]: 0.3,
        [attr.GEN_AI_REQUEST_TOP_P]: 0.9,
        [attr.GEN_AI_REQUEST_TOP_K]: 40,
        [attr.GEN_AI_REQUEST_STOP_SEQUENCES]: ['END'],
        [attr.GEN_AI_REQUEST_CHOICE_COUNT]: 2,
        [attr.GEN_AI_REQUEST_SEED]: 7,
        [attr.GEN_AI_REQUEST_PRESENCE_PENALTY]: 0.1,
        [attr.GEN_AI_REQUEST_FREQUENCY_PENALTY]: 0.2,
        [attr.GEN_AI_REQUEST_STREAM]: false,
      },
    });
  });

  it(':streamGenerateContent streams, whatever the body says', () => {
    const reader = new ExchangeReader(callOf(`${VERTEX}:streamGenerateContent`), NO_CAPTURE);
    const facts = reader.readRequest(JSON.stringify({ contents }))!;
    expect(facts).toMatchObject({ model: 'gemini-2.5-pro', stream: true });
    expect(facts.attributes[attr.GEN_AI_REQUEST_STREAM]).toBe(true);
  });

  it('reads contents and the system instruction only when capturing: model is the assistant, function responses the tool', () => {
    expect(geminiParser.readRequest(body, NO_CAPTURE).inputMessages).toBeUndefined();
    const captured = geminiParser.readRequest(body, CAPTURE);
    expect(captured.inputMessages).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'What is the weather in Paris?' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'c1', name: 'weather', arguments: { city: 'Paris' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: { sky: 'rain' } }] },
    ]);
    expect(captured.systemInstructions).toEqual([{ type: 'text', content: 'be brief' }]);
  });

  it('an embeddings request records no stream attribute', () => {
    const reader = new ExchangeReader(callOf(`${GEMINI}:batchEmbedContents`), NO_CAPTURE);
    expect(reader.readRequest(JSON.stringify({ requests: [{ model: 'models/x', content: { parts: [{ text: 'a' }] } }] }))).toEqual({
      model: 'gemini-2.5-flash',
      stream: false,
      attributes: {},
    });
  });
});

describe('Gemini response', () => {
  const body = {
    candidates: [
      { content: { parts: [{ text: 'thinking…', thought: true }, { text: 'Rain.' }], role: 'model' }, finishReason: 'STOP', index: 0 },
      { content: { parts: [{ text: 'Wet' }], role: 'model' }, finishReason: 'MAX_TOKENS', index: 1 },
    ],
    usageMetadata: { promptTokenCount: 120, cachedContentTokenCount: 100, candidatesTokenCount: 12, thoughtsTokenCount: 30, totalTokenCount: 162 },
    modelVersion: 'gemini-2.5-flash-001',
    responseId: 'resp-1',
  };

  it('output tokens are candidates plus thoughts; thoughts are the reasoning; the cache read is part of the prompt', () => {
    const facts = emptyResponseFacts();
    geminiParser.readResponse(body, facts, CAPTURE);
    expect(facts).toEqual({
      responseId: 'resp-1',
      responseModel: 'gemini-2.5-flash-001',
      finishReasons: ['STOP', 'MAX_TOKENS'],
      inputTokens: 120,
      outputTokens: 42,
      reasoningOutputTokens: 30,
      cacheReadInputTokens: 100,
      outputText: 'Rain.',
    });
  });

  it('finish reasons keep their candidate\'s place; a missing index is the first candidate', () => {
    const facts = emptyResponseFacts();
    geminiParser.readResponse({ candidates: [{ finishReason: 'SAFETY', index: 2 }, { finishReason: 'STOP' }] }, facts, NO_CAPTURE);
    expect(facts.finishReasons).toEqual(['STOP', '', 'SAFETY']);
  });

  it('a stream chunk: content is non-empty text, a function call or inline data; an empty text with a thought signature is not', () => {
    const chunk = (parts: unknown[]) => JSON.stringify({ candidates: [{ content: { parts, role: 'model' }, index: 0 }] });
    const read = (data: string) => geminiParser.readEvent(data, undefined, emptyResponseFacts(), NO_CAPTURE);
    expect(read(chunk([{ text: 'Hi' }]))).toBe(true);
    expect(read(chunk([{ text: 'plan', thought: true }]))).toBe(true);
    expect(read(chunk([{ functionCall: { name: 'f', args: {} } }]))).toBe(true);
    expect(read(chunk([{ inlineData: { mimeType: 'image/png', data: 'AAAA' } }]))).toBe(true);
    expect(read(chunk([{ text: '', thoughtSignature: 'Eo0H' }]))).toBe(false);
    expect(read(JSON.stringify({ usageMetadata: { promptTokenCount: 3 } }))).toBe(false);
    expect(read('not json')).toBe(false);
  });

  it('a usageMetadata replaces the one before it (every chunk repeats the count so far)', () => {
    const facts = emptyResponseFacts();
    geminiParser.readEvent(JSON.stringify({ usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 10, thoughtsTokenCount: 256 } }), undefined, facts, NO_CAPTURE);
    geminiParser.readEvent(JSON.stringify({ usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 29 } }), undefined, facts, NO_CAPTURE);
    expect(facts).toEqual({ finishReasons: [], inputTokens: 9, outputTokens: 29 });
  });

  it('an error inside a 200 stream is typed by its status, never its message', () => {
    const facts = emptyResponseFacts();
    geminiParser.readEvent(JSON.stringify({ error: { code: 500, message: 'An internal error has occurred.', status: 'INTERNAL' } }), undefined, facts, NO_CAPTURE);
    expect(facts.errorType).toBe('INTERNAL');
    const numeric = emptyResponseFacts();
    geminiParser.readResponse({ error: { code: 503 } }, numeric, NO_CAPTURE);
    expect(numeric.errorType).toBe('503');
  });

  it('embeddings: the vector length, and the prompt tokens where reported', () => {
    const single = emptyResponseFacts();
    geminiEmbeddingsParser.readResponse({ embedding: { values: [0.1, 0.2, 0.3] } }, single, NO_CAPTURE);
    expect(single).toEqual({ finishReasons: [], embeddingDimensions: 3 });
    const batch = emptyResponseFacts();
    geminiEmbeddingsParser.readResponse({ embeddings: [{ values: [1, 2] }, { values: [3, 4] }], usageMetadata: { promptTokenCount: 12 } }, batch, NO_CAPTURE);
    expect(batch).toEqual({ finishReasons: [], embeddingDimensions: 2, inputTokens: 12 });
  });
});

/** Gemini's chunks as the stream carries them: the usage so far in every one, finish reasons in the last. */
const CHUNKS = [
  { candidates: [{ content: { parts: [{ text: 'Hello' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1, thoughtsTokenCount: 8 }, modelVersion: 'gemini-2.5-flash', responseId: 'r-9' },
  { candidates: [{ content: { parts: [{ text: ' wörld 🌍' }], role: 'model' }, index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 2, thoughtsTokenCount: 8 }, modelVersion: 'gemini-2.5-flash', responseId: 'r-9' },
  { candidates: [{ content: { parts: [{ text: '!' }], role: 'model' }, finishReason: 'STOP', index: 0 }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 3, thoughtsTokenCount: 8, cachedContentTokenCount: 2 }, modelVersion: 'gemini-2.5-flash', responseId: 'r-9' },
];
const EXPECTED: ResponseFacts = {
  responseId: 'r-9',
  responseModel: 'gemini-2.5-flash',
  finishReasons: ['STOP'],
  inputTokens: 5,
  outputTokens: 11,
  reasoningOutputTokens: 8,
  cacheReadInputTokens: 2,
};

/** Runs a whole response through the exchange reader, cut into `pieces` at every `step` bytes. */
function exchange(url: string, contentType: string, body: string, step: number): { facts: ResponseFacts; content: number } {
  const reader = new ExchangeReader(callOf(url), NO_CAPTURE);
  reader.readRequest(JSON.stringify({ contents }));
  let content = 0;
  reader.onResponseHead(200, (name) => (name === 'content-type' ? contentType : undefined), () => content++);
  const bytes = new TextEncoder().encode(body);
  for (let at = 0; at < bytes.length; at += step) reader.push(bytes.subarray(at, at + step));
  reader.end();
  return { facts: reader.response, content };
}

describe('Gemini exchanges', () => {
  const sse = CHUNKS.map((c) => `data: ${JSON.stringify(c)}\r\n\r\n`).join('');
  const array = `[${CHUNKS.map((c) => JSON.stringify(c, null, 2)).join('\n,\r\n')}\n]`;

  it.each([1, 7, 64, 100_000])('alt=sse, cut every %i bytes (CRLF framing, as Google writes it)', (step) => {
    expect(exchange(`${GEMINI}:streamGenerateContent`, 'text/event-stream', sse, step)).toEqual({ facts: EXPECTED, content: 3 });
  });

  it.each([1, 7, 64, 100_000])('the JSON array without alt=sse, cut every %i bytes', (step) => {
    expect(exchange(`${GEMINI}:streamGenerateContent`, 'application/json; charset=UTF-8', array, step)).toEqual({ facts: EXPECTED, content: 3 });
  });

  it('generateContent: one JSON body, read whole', () => {
    const whole = JSON.stringify({ ...CHUNKS[2], candidates: [{ content: { parts: [{ text: 'Hello wörld 🌍!' }] }, finishReason: 'STOP', index: 0 }] }, null, 2);
    expect(exchange(`${VERTEX}:generateContent`, 'application/json; charset=UTF-8', whole, 5)).toEqual({ facts: EXPECTED, content: 0 });
  });

  it('Vertex AI streams: no usage before the last chunk', () => {
    const vertex = CHUNKS.map((c, i) => ({ ...c, usageMetadata: i < 2 ? { trafficType: 'ON_DEMAND' } : c.usageMetadata, createTime: '2026-04-07T16:49:58.333958Z' }));
    const body = vertex.map((c) => `data: ${JSON.stringify(c)}\n\n`).join('');
    expect(exchange(`${VERTEX}:streamGenerateContent`, 'text/event-stream', body, 50)).toEqual({ facts: EXPECTED, content: 3 });
  });

  it('a stream cut mid-array keeps the usage of the last whole chunk', () => {
    const cut = array.slice(0, array.indexOf('"!"'));
    const { facts, content } = exchange(`${GEMINI}:streamGenerateContent`, 'application/json', cut, 13);
    expect(facts).toEqual({ responseId: 'r-9', responseModel: 'gemini-2.5-flash', finishReasons: [], inputTokens: 5, outputTokens: 10, reasoningOutputTokens: 8 });
    expect(content).toBe(2);
  });

  it('the decoder hands the parser one element at a time, each a whole chunk', () => {
    const seen: unknown[] = [];
    const decoder = createStreamDecoder('json-array', (data) => seen.push(JSON.parse(data)));
    decoder.push(new TextEncoder().encode(array));
    decoder.end();
    expect(seen).toEqual(CHUNKS);
  });
});

describe('Claude on Vertex AI', () => {
  const base = 'https://us-east5-aiplatform.googleapis.com/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514';

  it('rawPredict: Anthropic\'s body without a model, the model from the path', () => {
    const reader = new ExchangeReader(callOf(`${base}:rawPredict`), NO_CAPTURE);
    const request = reader.readRequest(JSON.stringify({ anthropic_version: 'vertex-2023-10-16', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] }));
    expect(request).toMatchObject({ model: 'claude-sonnet-4@20250514', stream: false, attributes: { [attr.GEN_AI_REQUEST_MAX_TOKENS]: 64 } });
    reader.onResponseHead(200, () => 'application/json', () => {});
    reader.push(new TextEncoder().encode(JSON.stringify({ id: 'msg_1', type: 'message', model: 'claude-sonnet-4-20250514', stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 2 } })));
    reader.end();
    expect(reader.response).toMatchObject({ responseId: 'msg_1', finishReasons: ['end_turn'], inputTokens: 3, outputTokens: 2 });
  });

  it('streamRawPredict streams Anthropic\'s events', () => {
    const events = [
      ['message_start', { type: 'message_start', message: { id: 'msg_2', model: 'claude-sonnet-4-20250514', usage: { input_tokens: 4, output_tokens: 1 } } }],
      ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi' } }],
      ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 2 } }],
    ] as const;
    const body = events.map(([name, data]) => `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`).join('');
    const reader = new ExchangeReader(callOf(`${base}:streamRawPredict`), NO_CAPTURE);
    expect(reader.readRequest(JSON.stringify({ anthropic_version: 'vertex-2023-10-16', stream: true, max_tokens: 64, messages: [] }))?.stream).toBe(true);
    let content = 0;
    reader.onResponseHead(200, () => 'text/event-stream', () => content++);
    reader.push(new TextEncoder().encode(body));
    reader.end();
    expect(reader.response).toMatchObject({ responseId: 'msg_2', finishReasons: ['end_turn'], inputTokens: 4, outputTokens: 2 });
    expect(content).toBe(1);
  });
});

describe('the key never reaches url.full', () => {
  it('?key= is redacted, the other parameters (alt=sse) kept', () => {
    expect(redactUrl(`${GEMINI}:streamGenerateContent?alt=sse&key=AIzaSyD-secret`)).toBe(`${GEMINI}:streamGenerateContent?alt=sse&key=REDACTED`);
    expect(redactUrl(`${GEMINI}:generateContent?key=AIzaSyD-secret`)).toBe(`${GEMINI}:generateContent?key=REDACTED`);
  });
});
