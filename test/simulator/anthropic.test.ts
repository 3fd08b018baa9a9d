import Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { countPromptTokens, generatedTokens } from '../../demo/simulator/index.js';
import { anthropicClient, post, sseEvents, useSimulator } from './helpers.js';

const sim = useSimulator();
const messages = [{ role: 'user' as const, content: 'Tell me a joke about OpenTelemetry' }];
const params = { model: 'claude-3-opus-20240229', max_tokens: 1024, messages };

describe('Anthropic messages', () => {
  it('streams the real event sequence with `event:` lines', async () => {
    const response = await post(sim.current, '/v1/messages', { ...params, stream: true }, { 'x-sim-chunks': '2' });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
    const events = sseEvents(await response.text());
    expect(events.map((e) => e.event)).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    for (const { event, data } of events) expect(JSON.parse(data).type).toBe(event);
    const start = JSON.parse(events[0]!.data);
    expect(start.message.id).toMatch(/^msg_01/);
    expect(start.message.usage.input_tokens).toBe(countPromptTokens({ messages }));
    expect(JSON.parse(events[6]!.data)).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: 2 },
    });
  });

  it('works with the SDK stream helper and reports usage', async () => {
    const client = anthropicClient(sim.current, { 'x-sim-chunks': '6' });
    const stream = client.messages.stream(params);
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const message = await stream.finalMessage();
    expect(texts).toEqual(generatedTokens(6));
    expect(message.usage).toMatchObject({ input_tokens: countPromptTokens({ messages }), output_tokens: 6 });
    expect(message.stop_reason).toBe('end_turn');
  });

  it('answers non-streamed calls, with stop_reason max_tokens when the limit cuts it', async () => {
    const client = anthropicClient(sim.current, { 'x-sim-chunks': '9' });
    const message = await client.messages.create({ ...params, max_tokens: 4 });
    expect(message.content).toEqual([{ type: 'text', text: generatedTokens(4).join('') }]);
    expect(message.stop_reason).toBe('max_tokens');
    expect(message.usage.output_tokens).toBe(4);
  });

  it('drops usage from the stream with x-sim-usage: omit', async () => {
    const client = anthropicClient(sim.current, { 'x-sim-usage': 'omit' });
    const stream = await client.messages.create({ ...params, stream: true });
    const events: Anthropic.RawMessageStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const start = events.find((e) => e.type === 'message_start');
    const delta = events.find((e) => e.type === 'message_delta');
    expect(start && 'usage' in start.message).toBe(false);
    expect(delta && 'usage' in delta).toBe(false);
  });
});
