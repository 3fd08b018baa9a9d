// The simulator as Gemini (the Gemini API and Vertex AI) and as Claude on Vertex AI: whole bodies,
// SSE with alt=sse, the JSON array piece by piece without it, embeddings, Google's error shape, and
// the real @google/genai client reading all of it.
import { ApiError, GoogleGenAI } from '@google/genai';
import { describe, expect, it } from 'vitest';
import { countPromptTokens, generatedTokens } from '../../demo/simulator/index.js';
import { CACHED_CONTENT_TOKENS } from '../../demo/simulator/formats/gemini.js';
import { post, recordOf, useSimulator } from './helpers.js';

const sim = useSimulator();
const contents = [{ role: 'user', parts: [{ text: 'Tell me about the sky' }] }];
const PROMPT_TOKENS = countPromptTokens({ contents });
const GEMINI = '/v1beta/models/gemini-2.5-flash';
const VERTEX = '/v1beta1/projects/p1/locations/us-central1/publishers/google/models/gemini-2.5-pro';

function genai(headers: Record<string, string> = {}): GoogleGenAI {
  return new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: sim.current.url, headers } });
}

/** Google's SSE: CRLF between events. */
const sseData = (text: string) => text.split('\r\n\r\n').filter((e) => e !== '').map((e) => JSON.parse(e.replace(/^data: /, '')));

describe('Gemini generateContent', () => {
  it('answers a whole body with usage (thinking and a cache read included) and the model from the path', async () => {
    const body = { contents, cachedContent: 'cachedContents/abc', generationConfig: { thinkingConfig: { thinkingBudget: 24 } } };
    const response = await post(sim.current, `${GEMINI}:generateContent`, body, { 'x-sim-chunks': '4' });
    expect(response.headers.get('content-type')).toBe('application/json');
    const text = await response.text();
    expect(text).toContain('\n  "candidates"'); // pretty-printed, as Google sends it
    const json = JSON.parse(text);
    expect(json.candidates).toEqual([{ content: { parts: [{ text: generatedTokens(4).join('') }], role: 'model' }, finishReason: 'STOP', index: 0 }]);
    expect(json.usageMetadata).toMatchObject({
      promptTokenCount: countPromptTokens(body) + CACHED_CONTENT_TOKENS,
      cachedContentTokenCount: CACHED_CONTENT_TOKENS,
      candidatesTokenCount: 4,
      thoughtsTokenCount: 24,
      totalTokenCount: countPromptTokens(body) + CACHED_CONTENT_TOKENS + 4 + 24,
    });
    expect(json.modelVersion).toBe('gemini-2.5-flash');
    expect(json.responseId).toMatch(/^[0-9A-Za-z]{23}$/);
    expect(recordOf(sim.current, response.headers.get('x-request-id'))).toMatchObject({ provider: 'gemini', model: 'gemini-2.5-flash', stream: false });
  });

  it('maxOutputTokens caps the generation: finishReason MAX_TOKENS, through the SDK', async () => {
    const result = await genai({ 'x-sim-chunks': '9' }).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hello there', config: { maxOutputTokens: 3 } });
    expect(result.text).toBe(generatedTokens(3).join(''));
    expect(result.candidates?.[0]?.finishReason).toBe('MAX_TOKENS');
    expect(result.usageMetadata?.candidatesTokenCount).toBe(3);
  });
});

describe('Gemini streamGenerateContent', () => {
  it('with alt=sse: one SSE event per token, the usage so far in each, the finish reason in a last one', async () => {
    const response = await post(sim.current, `${GEMINI}:streamGenerateContent?alt=sse`, { contents }, { 'x-sim-chunks': '3' });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const chunks = sseData(await response.text());
    expect(chunks.map((c) => c.candidates[0].content.parts[0].text)).toEqual([...generatedTokens(3), '']);
    expect(chunks.map((c) => c.usageMetadata.candidatesTokenCount)).toEqual([1, 2, 3, 3]);
    expect(chunks.map((c) => c.candidates[0].finishReason)).toEqual([undefined, undefined, undefined, 'STOP']);
    expect(new Set(chunks.map((c) => c.responseId)).size).toBe(1);
    expect(chunks[0].usageMetadata.promptTokenCount).toBe(PROMPT_TOKENS);
  });

  it('without alt=sse: one JSON array, written element by element on the schedule', async () => {
    const response = await post(sim.current, `${GEMINI}:streamGenerateContent`, { contents }, { 'x-sim-chunks': '4', 'x-sim-interval-ms': '30' });
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8');
    const pieces: string[] = [];
    const decoder = new TextDecoder();
    for await (const piece of response.body!) pieces.push(decoder.decode(piece, { stream: true }));
    const text = pieces.join('');
    expect(text.startsWith('[{\n  "candidates"')).toBe(true);
    expect(text).toContain('}\n,\r\n{');
    expect(text.endsWith('}\n]')).toBe(true);
    const elements = JSON.parse(text);
    expect(elements).toHaveLength(5);
    expect(elements.at(-1).candidates[0].finishReason).toBe('STOP');
    // The elements arrived apart, not as one body (a loaded machine may read two of them at once).
    expect(pieces.length).toBeGreaterThan(1);
  });

  it('the SDK streams it (generateContentStream asks for alt=sse)', async () => {
    const stream = await genai({ 'x-sim-chunks': '5' }).models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'hi' });
    let text = '';
    let last;
    for await (const chunk of stream) {
      text += chunk.text ?? '';
      last = chunk;
    }
    expect(text).toBe(generatedTokens(5).join(''));
    expect(last?.candidates?.[0]?.finishReason).toBe('STOP');
    expect(last?.usageMetadata?.candidatesTokenCount).toBe(5);
  });

  it('x-sim-usage: omit leaves usageMetadata out', async () => {
    const response = await post(sim.current, `${GEMINI}:streamGenerateContent?alt=sse`, { contents }, { 'x-sim-usage': 'omit', 'x-sim-chunks': '2' });
    expect(sseData(await response.text()).every((c) => !('usageMetadata' in c))).toBe(true);
  });
});

describe('Vertex AI', () => {
  it('Gemini under a project and location: a create time in each chunk, usage only in the last', async () => {
    const response = await post(sim.current, `${VERTEX}:streamGenerateContent?alt=sse`, { contents }, { 'x-sim-chunks': '3' });
    const chunks = sseData(await response.text());
    expect(chunks).toHaveLength(4);
    expect(chunks.slice(0, 3).map((c) => c.usageMetadata)).toEqual(Array(3).fill({ trafficType: 'ON_DEMAND' }));
    expect(chunks[3].usageMetadata).toMatchObject({ promptTokenCount: PROMPT_TOKENS, candidatesTokenCount: 3, trafficType: 'ON_DEMAND' });
    expect(chunks.every((c) => typeof c.createTime === 'string' && c.modelVersion === 'gemini-2.5-pro')).toBe(true);
  });

  it('Claude: rawPredict and streamRawPredict answer Anthropic\'s format with the model from the path', async () => {
    const base = '/v1/projects/p1/locations/us-east5/publishers/anthropic/models/claude-sonnet-4@20250514';
    const body = { anthropic_version: 'vertex-2023-10-16', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
    const whole = await (await post(sim.current, `${base}:rawPredict`, body, { 'x-sim-chunks': '2' })).json();
    expect(whole).toMatchObject({ type: 'message', model: 'claude-sonnet-4@20250514', stop_reason: 'end_turn', usage: { output_tokens: 2 } });
    const stream = await post(sim.current, `${base}:streamRawPredict`, { ...body, stream: true }, { 'x-sim-chunks': '2' });
    expect(stream.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await stream.text()).toContain('event: message_delta');
  });
});

describe('embeddings', () => {
  it('embedContent and batchEmbedContents: a vector each, of outputDimensionality', async () => {
    const single = await (await post(sim.current, '/v1beta/models/gemini-embedding-001:embedContent', { content: { parts: [{ text: 'one two' }] }, outputDimensionality: 4 })).json();
    expect(single.embedding.values).toHaveLength(4);
    expect(single.usageMetadata.promptTokenCount).toBe(2);
    const result = await genai().models.embedContent({ model: 'gemini-embedding-001', contents: ['one', 'two', 'three'] });
    expect(result.embeddings?.map((e) => e.values?.length)).toEqual([8, 8, 8]);
  });
});

describe('errors in Google\'s shape', () => {
  it.each([
    ['429', 'RESOURCE_EXHAUSTED'],
    ['500', 'INTERNAL'],
    ['400', 'INVALID_ARGUMENT'],
  ] as const)('%s → {error: {code, message, status: %s}}, an ApiError in the SDK', async (status, name) => {
    const response = await post(sim.current, `${GEMINI}:generateContent`, { contents }, { 'x-sim-error': status });
    expect(response.status).toBe(Number(status));
    const body = await response.json();
    expect(body).toEqual({ error: { code: Number(status), message: expect.any(String), status: name } });
    const error = await genai({ 'x-sim-error': status }).models.generateContent({ model: 'gemini-2.5-flash', contents: 'hi' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(Number(status));
  });

  it('midstream: the error object as an SSE event, or as the array\'s last element', async () => {
    const sse = await post(sim.current, `${GEMINI}:streamGenerateContent?alt=sse`, { contents }, { 'x-sim-error': 'midstream', 'x-sim-chunks': '4' });
    const events = sseData(await sse.text());
    expect(events).toHaveLength(3);
    expect(events[2]).toEqual({ error: { code: 500, message: expect.any(String), status: 'INTERNAL' } });
    const array = await post(sim.current, `${GEMINI}:streamGenerateContent`, { contents }, { 'x-sim-error': 'midstream', 'x-sim-chunks': '4' });
    const elements = JSON.parse(await array.text());
    expect(elements).toHaveLength(3);
    expect(elements[2].error.status).toBe('INTERNAL');
  });

  it('truncate: the array is cut after half its elements, unterminated', async () => {
    const response = await post(sim.current, `${GEMINI}:streamGenerateContent`, { contents }, { 'x-sim-error': 'truncate', 'x-sim-chunks': '4' });
    const decoder = new TextDecoder();
    let text = '';
    const error = await (async () => {
      for await (const piece of response.body!) text += decoder.decode(piece, { stream: true });
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error); // the connection closed before the body's end
    expect(text.startsWith('[{')).toBe(true);
    expect(text.split('\n,\r\n')).toHaveLength(2);
    expect(text.endsWith(']')).toBe(false);
  });
});
