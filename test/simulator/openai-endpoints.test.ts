// The other OpenAI endpoints: Responses, legacy Completions, Embeddings.
import { describe, expect, it } from 'vitest';
import { countPromptTokens, generatedTokens } from '../../demo/simulator/index.js';
import { openAIClient, post, sseEvents, useSimulator } from './helpers.js';

const sim = useSimulator();
const input = 'Answer in up to 3 words: Which ocean contains Bouvet Island?';

describe('OpenAI Responses API', () => {
  it('streams the real event sequence with `event:` lines and increasing sequence numbers', async () => {
    const response = await post(sim.current, '/v1/responses', { model: 'gpt-4o-mini', input, stream: true }, {
      'x-sim-chunks': '3',
    });
    const events = sseEvents(await response.text());
    expect(events.map((e) => e.event)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    const data = events.map((e) => JSON.parse(e.data));
    expect(data.map((d) => d.type)).toEqual(events.map((e) => e.event));
    expect(data.map((d) => d.sequence_number)).toEqual(data.map((_, i) => i));
    expect(data.at(-1).response.usage).toMatchObject({
      input_tokens: countPromptTokens({ input }),
      output_tokens: 3,
    });
  });

  it('works with the SDK, streamed and not', async () => {
    const client = openAIClient(sim.current, { 'x-sim-chunks': '4' });
    const stream = client.responses.stream({ model: 'gpt-4o-mini', input });
    const deltas: string[] = [];
    stream.on('response.output_text.delta', (event) => deltas.push(event.delta));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(generatedTokens(4));
    expect(final.output_text).toBe(generatedTokens(4).join(''));
    expect(final.usage?.output_tokens).toBe(4);

    const whole = await client.responses.create({ model: 'gpt-4o-mini', input });
    expect(whole.id).toMatch(/^resp_/);
    expect(whole.status).toBe('completed');
    expect(whole.output_text).toBe(generatedTokens(4).join(''));
  });

  it('leaves usage null in response.completed with x-sim-usage: omit', async () => {
    const response = await post(sim.current, '/v1/responses', { model: 'm', input, stream: true }, {
      'x-sim-usage': 'omit',
    });
    const last = JSON.parse(sseEvents(await response.text()).at(-1)!.data);
    expect(last.type).toBe('response.completed');
    expect(last.response.usage).toBeNull();
  });
});

describe('OpenAI legacy completions', () => {
  it('streams text_completion chunks and a usage chunk when asked', async () => {
    const stream = await openAIClient(sim.current).completions.create({
      model: 'gpt-3.5-turbo-instruct',
      prompt: 'Say hello',
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.slice(0, 5).map((c) => c.choices[0]!.text)).toEqual(generatedTokens(5));
    expect(chunks[5]!.choices[0]!.finish_reason).toBe('stop');
    expect(chunks[6]!.choices).toEqual([]);
    expect(chunks[6]!.usage).toMatchObject({ prompt_tokens: 2, completion_tokens: 5 });
  });

  it('answers non-streamed calls', async () => {
    const completion = await openAIClient(sim.current).completions.create({ model: 'x', prompt: 'Say hello' });
    expect(completion.object).toBe('text_completion');
    expect(completion.choices[0]!.text).toBe(generatedTokens(5).join(''));
  });
});

describe('OpenAI embeddings', () => {
  it('returns one vector per input, as floats or as base64 (the SDK default), with usage', async () => {
    const client = openAIClient(sim.current);
    const inputs = ['One fish', 'two fish', 'red fish'];
    const decoded = await client.embeddings.create({ model: 'text-embedding-3-small', input: inputs });
    const floats = await client.embeddings.create({
      model: 'text-embedding-3-small',
      input: inputs,
      encoding_format: 'float',
    });
    expect(decoded.data).toHaveLength(3);
    expect(decoded.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => d.embedding));
    expect(floats.data[0]!.embedding).toHaveLength(8);
    expect(floats.usage).toEqual({ prompt_tokens: 6, total_tokens: 6 });
  });
});
