// Cohere's API as the simulator speaks it, read by the real cohere-ai client (v2 and v1) and by plain
// fetch: v2 chat's named SSE events, v1's application/stream+json lines, embed, rerank, errors.
import { Cohere, CohereClient, CohereClientV2 } from 'cohere-ai';
import { describe, expect, it } from 'vitest';
import { generatedTokens } from '../../demo/simulator/index.js';
import { post, recordOf, sseEvents, useSimulator } from './helpers.js';

const sim = useSimulator();
const v2 = () => new CohereClientV2({ token: 'co-test', environment: sim.current.url, maxRetries: 0 });
const v1 = () => new CohereClient({ token: 'co-test', environment: sim.current.url, maxRetries: 0 });
const messages = [{ role: 'user' as const, content: 'Tell me about LLMs' }];
const lines = (text: string) => text.trimEnd().split('\n').map((line) => JSON.parse(line));

describe('Cohere v2 chat', () => {
  it('streams named SSE events the client reads: message-start, content deltas, message-end with tokens and billed units', async () => {
    const stream = await v2().chatStream({ model: 'command-a-03-2025', messages }, { headers: { 'x-sim-chunks': '4' } });
    const events: Cohere.V2ChatStreamResponse[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['message-start', 'content-start', 'content-delta', 'content-delta', 'content-delta', 'content-delta', 'content-end', 'message-end']);
    const text = events.flatMap((e) => (e.type === 'content-delta' ? [e.delta?.message?.content?.text] : [])).join('');
    expect(text).toBe(generatedTokens(4).join(''));
    const end = events.at(-1) as Cohere.ChatMessageEndEvent;
    expect(end.delta?.finishReason).toBe('COMPLETE');
    expect(end.delta?.usage?.billedUnits?.outputTokens).toBe(4);
    expect(end.delta?.usage?.tokens?.inputTokens).toBeGreaterThan(end.delta!.usage!.billedUnits!.inputTokens!);
  });

  it('names each SSE event as its type, with the request id in x-debug-trace-id', async () => {
    const response = await post(sim.current, '/v2/chat', { model: 'm', messages, stream: true }, { 'x-sim-chunks': '2' });
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = sseEvents(await response.text());
    expect(events.every((e) => e.event === JSON.parse(e.data).type)).toBe(true);
    expect(recordOf(sim.current, response.headers.get('x-debug-trace-id')).provider).toBe('cohere');
  });

  it('a whole reply: text blocks, MAX_TOKENS when max_tokens cuts it short', async () => {
    const reply = await v2().chat({ model: 'command-a-03-2025', messages, maxTokens: 3 });
    expect(reply.finishReason).toBe('MAX_TOKENS');
    expect(reply.message.content?.[0]).toMatchObject({ type: 'text', text: generatedTokens(3).join('') });
    expect(reply.usage?.tokens?.outputTokens).toBe(3);
  });

  it('fails mid-stream with finish reason ERROR and the error text, and leaves usage out with x-sim-usage: omit', async () => {
    const failed = await post(sim.current, '/v2/chat', { model: 'm', messages, stream: true }, { 'x-sim-error': 'midstream' });
    const last = JSON.parse(sseEvents(await failed.text()).at(-1)!.data);
    expect(last).toMatchObject({ type: 'message-end', delta: { finish_reason: 'ERROR' } });
    expect(last.delta.error).toEqual(expect.any(String));
    const omitted = await post(sim.current, '/v2/chat', { model: 'm', messages, stream: true }, { 'x-sim-usage': 'omit' });
    expect(JSON.parse(sseEvents(await omitted.text()).at(-1)!.data).delta).toEqual({ finish_reason: 'COMPLETE' });
  });

  it('HTTP errors are {"message": ...}, seen by the client as its own error classes', async () => {
    const error = await v2()
      .chat({ model: 'm', messages }, { headers: { 'x-sim-error': '429' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Cohere.TooManyRequestsError);
    expect(Object.keys((error as Cohere.TooManyRequestsError).body as object)).toEqual(['message']);
  });
});

describe('Cohere v1 chat and generate', () => {
  it('chat streams application/stream+json lines the v1 client reads, ending with stream-end and meta', async () => {
    const stream = await v1().chatStream({ model: 'command-r', message: 'hello' }, { headers: { 'x-sim-chunks': '3' } });
    const events: Cohere.StreamedChatResponse[] = [];
    for await (const event of stream) events.push(event);
    expect(events.map((e) => e.eventType)).toEqual(['stream-start', 'text-generation', 'text-generation', 'text-generation', 'stream-end']);
    const end = events.at(-1) as Cohere.StreamedChatResponse.StreamEnd;
    expect(end.finishReason).toBe('COMPLETE');
    expect(end.response.text).toBe(generatedTokens(3).join(''));
    expect(end.response.meta?.billedUnits?.outputTokens).toBe(3);
  });

  it('generate streams without a stream-start; its stream-end holds the generations', async () => {
    const response = await post(sim.current, '/v1/generate', { model: 'command', prompt: 'Why?', stream: true, max_tokens: 2 });
    expect(response.headers.get('content-type')).toBe('application/stream+json');
    const all = lines(await response.text());
    expect(all.map((l) => l.event_type)).toEqual(['text-generation', 'text-generation', 'stream-end']);
    expect(all[2]).toMatchObject({ is_finished: true, finish_reason: 'MAX_TOKENS', response: { generations: [{ finish_reason: 'MAX_TOKENS' }], prompt: 'Why?' } });
    const failed = lines(await (await post(sim.current, '/v1/generate', { model: 'command', prompt: 'Why?', stream: true }, { 'x-sim-error': 'midstream' })).text());
    expect(failed.at(-1)).toMatchObject({ event_type: 'stream-error', is_finished: true, finish_reason: 'ERROR' });
  });

  it('a whole v1 chat reply, read by the client', async () => {
    const reply = await v1().chat({ model: 'command-r', message: 'hello' });
    expect(reply.text).toBe(generatedTokens(5).join(''));
    expect(reply.finishReason).toBe('COMPLETE');
    expect(reply.meta?.tokens?.outputTokens).toBe(5);
  });
});

describe('Cohere embed and rerank', () => {
  it('v2 embed: vectors by type; v1 embed: a list of float vectors', async () => {
    const embedded = await v2().embed({ model: 'embed-v4.0', texts: ['a', 'b'], inputType: 'search_document', embeddingTypes: ['float', 'int8'] });
    expect(embedded.embeddings.float).toHaveLength(2);
    expect(embedded.embeddings.int8?.[0]).toHaveLength(8);
    expect(embedded.meta?.billedUnits?.inputTokens).toBe(2);
    const legacy = await (await post(sim.current, '/v1/embed', { model: 'embed-english-v3.0', texts: ['a'], input_type: 'classification' })).json();
    expect(legacy).toMatchObject({ response_type: 'embeddings_floats', embeddings: [expect.any(Array)] });
  });

  it('rerank: top_n results by relevance, billed in search units', async () => {
    const ranked = await v2().rerank({ model: 'rerank-v3.5', query: 'capital?', documents: ['a', 'b', 'c'], topN: 2 });
    expect(ranked.results).toHaveLength(2);
    expect(ranked.results[0]!.relevanceScore).toBeGreaterThanOrEqual(ranked.results[1]!.relevanceScore);
    expect(ranked.meta?.billedUnits?.searchUnits).toBe(1);
  });
});
