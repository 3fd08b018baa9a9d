import { AzureOpenAI } from 'openai';
import { describe, expect, it } from 'vitest';
import { countPromptTokens, generatedTokens } from '../../demo/simulator/index.js';
import { eventually, now, openAIClient, post, recordOf, sseEvents, useSimulator } from './helpers.js';

const sim = useSimulator();
const messages = [{ role: 'user' as const, content: 'Which ocean contains Bouvet Island?' }];
const expectedInputTokens = countPromptTokens({ messages });

describe('OpenAI chat completions', () => {
  it('streams one token per chunk, then usage in a last chunk with empty choices when include_usage', async () => {
    const client = openAIClient(sim.current, { 'x-sim-chunks': '7' });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '', refusal: null });
    const content = chunks.slice(1, 8);
    expect(content.map((c) => c.choices[0]!.delta.content)).toEqual(generatedTokens(7));
    expect(content.every((c) => c.choices[0]!.finish_reason === null)).toBe(true);
    expect(chunks[8]!.choices[0]!.finish_reason).toBe('stop');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({
      prompt_tokens: expectedInputTokens,
      completion_tokens: 7,
      total_tokens: expectedInputTokens + 7,
    });
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
    expect(chunks[0]!.id).toMatch(/^chatcmpl-/);
    expect(chunks[0]!.object).toBe('chat.completion.chunk');
    expect(chunks[0]!.model).toBe('gpt-4o-mini');
  });

  it('sends no usage chunk without include_usage, nor with x-sim-usage: omit', async () => {
    for (const [headers, options] of [
      [{}, undefined],
      [{ 'x-sim-usage': 'omit' }, { include_usage: true }],
    ] as const) {
      const stream = await openAIClient(sim.current, headers).chat.completions.create({
        model: 'gpt-4o-mini',
        messages,
        stream: true,
        ...(options ? { stream_options: options } : {}),
      });
      const chunks = [];
      for await (const chunk of stream) chunks.push(chunk);
      expect(chunks).toHaveLength(1 + 5 + 1);
      expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
      expect(chunks.every((c) => !('usage' in c))).toBe(true);
    }
  });

  it('writes real SSE: content type, data lines, [DONE], x-request-id', async () => {
    const response = await post(sim.current, '/v1/chat/completions', { model: 'm', messages, stream: true });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toMatch(/^req_/);
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = sseEvents(text);
    expect(events.every((e) => e.event === undefined)).toBe(true);
    expect(events).toHaveLength(1 + 5 + 1 + 1);
    await eventually(() => recordOf(sim.current, requestId).endedAt !== null);
    expect(recordOf(sim.current, requestId)).toMatchObject({
      path: '/v1/chat/completions',
      provider: 'openai',
      model: 'm',
      stream: true,
      status: 200,
      chunks: 5,
      aborted: false,
    });
  });

  it('answers non-streamed calls with the whole completion and usage', async () => {
    const completion = await openAIClient(sim.current, { 'x-sim-chunks': '3' }).chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
    });
    expect(completion.object).toBe('chat.completion');
    expect(completion.choices[0]!.message).toMatchObject({ role: 'assistant', content: generatedTokens(3).join('') });
    expect(completion.choices[0]!.finish_reason).toBe('stop');
    expect(completion.usage).toMatchObject({ prompt_tokens: expectedInputTokens, completion_tokens: 3 });
  });

  it('stops at the request\'s max_tokens with finish_reason "length"', async () => {
    const completion = await openAIClient(sim.current, { 'x-sim-chunks': '10' }).chat.completions.create({
      model: 'gpt-4o-mini',
      messages,
      max_completion_tokens: 4,
    });
    expect(completion.choices[0]!.finish_reason).toBe('length');
    expect(completion.usage?.completion_tokens).toBe(4);
  });

  it('accepts Azure deployment paths from the AzureOpenAI client', async () => {
    const azure = new AzureOpenAI({
      endpoint: sim.current.url,
      apiKey: 'test',
      apiVersion: '2024-10-21',
      deployment: 'my-gpt',
      maxRetries: 0,
    });
    const { data, response } = await azure.chat.completions.create({ model: 'gpt-4o', messages }).withResponse();
    expect(data.choices[0]!.message.content).toBe(generatedTokens(5).join(''));
    expect(recordOf(sim.current, response.headers.get('x-request-id'))).toMatchObject({
      path: '/openai/deployments/my-gpt/chat/completions',
      model: 'gpt-4o',
    });
  });

  it('takes the Azure deployment as the model when the body names none', async () => {
    const response = await post(sim.current, '/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21', {
      messages,
    });
    expect((await response.json()).model).toBe('my-gpt');
  });

  it('answers 404 in OpenAI\'s shape for unknown paths', async () => {
    const response = await post(sim.current, '/v1/nothing', {});
    expect(response.status).toBe(404);
    expect((await response.json()).error.type).toBe('invalid_request_error');
  });

  it('records receivedAt before the response and firstContentWrittenAt before the client saw content', async () => {
    const before = now();
    const response = await post(sim.current, '/v1/chat/completions', { model: 'm', messages, stream: true });
    await response.text();
    const after = now();
    const record = recordOf(sim.current, response.headers.get('x-request-id'));
    expect(record.receivedAt).toBeGreaterThanOrEqual(before);
    expect(record.firstContentWrittenAt).toBeGreaterThanOrEqual(record.receivedAt);
    expect(record.firstContentWrittenAt).toBeLessThanOrEqual(after);
  });
});
