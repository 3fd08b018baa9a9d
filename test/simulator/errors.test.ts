// Simulated failures (x-sim-error), seen through the real SDKs' error classes.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { generatedTokens } from '../../demo/simulator/index.js';
import { anthropicClient, eventually, openAIClient, post, recordOf, useSimulator } from './helpers.js';

const sim = useSimulator();
const messages = [{ role: 'user' as const, content: 'hi' }];
const anthropicParams = { model: 'claude-3-5-haiku-latest', max_tokens: 100, messages };

async function collect<T>(stream: AsyncIterable<T>): Promise<{ items: T[]; error: unknown }> {
  const items: T[] = [];
  try {
    for await (const item of stream) items.push(item);
    return { items, error: undefined };
  } catch (error) {
    return { items, error };
  }
}

describe('HTTP errors in the provider\'s shape', () => {
  it.each([
    ['429', OpenAI.RateLimitError, 'rate_limit_exceeded'],
    ['500', OpenAI.InternalServerError, null],
    ['400', OpenAI.BadRequestError, null],
  ] as const)('OpenAI %s → %o', async (status, errorClass, code) => {
    const client = openAIClient(sim.current, { 'x-sim-error': status });
    const error = await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    const apiError = error as InstanceType<typeof errorClass>;
    expect(apiError.status).toBe(Number(status));
    expect(apiError.code).toBe(code);
    expect(apiError.requestID).toMatch(/^req_/);
    if (status === '429') expect(apiError.headers.get('retry-after')).toBe('1');
  });

  it.each([
    ['429', Anthropic.RateLimitError, 'rate_limit_error'],
    ['500', Anthropic.InternalServerError, 'api_error'],
    ['400', Anthropic.BadRequestError, 'invalid_request_error'],
  ] as const)('Anthropic %s → %o', async (status, errorClass, type) => {
    const client = anthropicClient(sim.current, { 'x-sim-error': status });
    const error = await client.messages.create({ ...anthropicParams, stream: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errorClass);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe(type);
  });

  it('Ollama errors are {"error": message}', async () => {
    const response = await post(sim.current, '/api/chat', { model: 'llama3.2', messages }, { 'x-sim-error': '500' });
    expect(response.status).toBe(500);
    expect(Object.keys(await response.json())).toEqual(['error']);
  });

  it('answers 400 for a bad x-sim-* header or a body that is not JSON', async () => {
    const badHeader = await post(sim.current, '/v1/chat/completions', { model: 'm', messages }, { 'x-sim-chunks': '-1' });
    expect(badHeader.status).toBe(400);
    const badBody = await fetch(`${sim.current.url}/v1/messages`, { method: 'POST', body: '{not json' });
    expect(badBody.status).toBe(400);
    expect((await badBody.json()).error.type).toBe('invalid_request_error');
  });
});

describe('malformed', () => {
  it('breaks the first content event of a stream: both SDKs throw while iterating', async () => {
    const quiet = { logLevel: 'off' } as const; // the SDKs log the bad event; expected here
    const openai = await openAIClient(sim.current, { 'x-sim-error': 'malformed' }, quiet).chat.completions.create({
      model: 'm',
      messages,
      stream: true,
    });
    const openaiResult = await collect(openai);
    expect(openaiResult.items).toHaveLength(1); // the role-only delta
    expect(openaiResult.error).toBeInstanceOf(SyntaxError);

    const anthropic = await anthropicClient(sim.current, { 'x-sim-error': 'malformed' }, quiet).messages.create({
      ...anthropicParams,
      stream: true,
    });
    const anthropicResult = await collect(anthropic);
    expect(anthropicResult.items.map((e) => e.type)).toEqual(['message_start', 'content_block_start']);
    expect(anthropicResult.error).toBeInstanceOf(SyntaxError);
  });

  it('sends half a JSON body with status 200 for non-streamed calls', async () => {
    const response = await post(sim.current, '/v1/chat/completions', { model: 'm', messages }, { 'x-sim-error': 'malformed' });
    expect(response.status).toBe(200);
    await expect(response.json()).rejects.toThrow(SyntaxError);
  });
});

describe('truncate', () => {
  it('cuts the connection after half the content chunks', async () => {
    const stream = await openAIClient(sim.current, { 'x-sim-error': 'truncate', 'x-sim-chunks': '6' })
      .chat.completions.create({ model: 'm', messages, stream: true });
    const { items, error } = await collect(stream);
    expect(items.slice(1).map((c) => c.choices[0]!.delta.content)).toEqual(generatedTokens(3));
    expect(error).toBeInstanceOf(Error);
    const record = sim.current.calls.find((c) => c.error === 'truncate' && c.stream)!;
    await eventually(() => record.endedAt !== null);
    expect(record).toMatchObject({ chunks: 3, aborted: false });
  });

  it('sends half the announced body of a non-streamed call', async () => {
    const error = await anthropicClient(sim.current, { 'x-sim-error': 'truncate' })
      .messages.create(anthropicParams)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
  });
});

describe('hang', () => {
  it('streams: headers, then nothing until the client gives up; the record says aborted', async () => {
    const response = await post(sim.current, '/v1/chat/completions', { model: 'm', messages, stream: true }, {
      'x-sim-error': 'hang',
    });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const read = reader.read();
    const outcome = await Promise.race([read.then(() => 'data'), new Promise((r) => setTimeout(r, 150, 'nothing'))]);
    expect(outcome).toBe('nothing');
    await reader.cancel();
    const record = recordOf(sim.current, response.headers.get('x-request-id'));
    await eventually(() => record.endedAt !== null);
    expect(record).toMatchObject({ aborted: true, chunks: 0, firstContentWrittenAt: null });
  });

  it('non-streamed: nothing at all, so the SDK times out', async () => {
    const client = new OpenAI({
      baseURL: `${sim.current.url}/v1`,
      apiKey: 'test',
      maxRetries: 0,
      timeout: 150,
      defaultHeaders: { 'x-sim-error': 'hang' },
    });
    const error = await client.chat.completions.create({ model: 'm', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
  });
});

describe('midstream', () => {
  it('OpenAI chat: an error object inside the stream after half the chunks → APIError', async () => {
    const stream = await openAIClient(sim.current, { 'x-sim-error': 'midstream', 'x-sim-chunks': '4' })
      .chat.completions.create({ model: 'm', messages, stream: true });
    const { items, error } = await collect(stream);
    expect(items).toHaveLength(1 + 2);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).type).toBe('server_error');
  });

  it('OpenAI Responses: an `event: error` → APIError', async () => {
    const stream = await openAIClient(sim.current, { 'x-sim-error': 'midstream' }).responses.create({
      model: 'm',
      input: 'hi',
      stream: true,
    });
    const { items, error } = await collect(stream);
    expect(items.filter((e) => e.type === 'response.output_text.delta')).toHaveLength(2);
    expect(error).toBeInstanceOf(OpenAI.APIError);
  });

  it('Anthropic: `event: error` with overloaded_error → APIError', async () => {
    const stream = await anthropicClient(sim.current, { 'x-sim-error': 'midstream' }).messages.create({
      ...anthropicParams,
      stream: true,
    });
    const { items, error } = await collect(stream);
    expect(items.filter((e) => e.type === 'content_block_delta')).toHaveLength(2);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).type).toBe('overloaded_error');
  });

  it('Ollama: an {"error"} line ends the stream', async () => {
    const response = await post(sim.current, '/api/generate', { model: 'llama3.2', prompt: 'hi' }, {
      'x-sim-error': 'midstream',
    });
    const lines = (await response.text()).trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toHaveProperty('error');
  });
});
