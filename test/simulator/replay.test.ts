// x-sim-replay: real recordings sent back byte for byte, paced by the schedule.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitFrames } from '../../demo/simulator/replay.js';
import { SSE } from '../../demo/simulator/encoding.js';
import { RECORDINGS_DIR, anthropicClient, now, post, useSimulator } from './helpers.js';

const sim = useSimulator();

function recording(name: string) {
  return JSON.parse(readFileSync(join(RECORDINGS_DIR, name), 'utf8')) as {
    request: { body: { model: string } };
    response: { status: number; content_type: string; body: string };
  };
}

describe('replay', () => {
  it('returns the recorded stream byte-identical, with its content type', async () => {
    const name = 'openai-chat-stream-include-usage.json';
    const { request, response: recorded } = recording(name);
    const response = await post(sim.current, '/v1/chat/completions', request.body, { 'x-sim-replay': name });
    expect(response.status).toBe(recorded.status);
    expect(response.headers.get('content-type')).toBe(recorded.content_type);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.equals(Buffer.from(recorded.body, 'utf8'))).toBe(true);
  });

  it('paces the recorded events by the schedule', async () => {
    const name = 'openai-chat-stream-include-usage.json';
    const events = recording(name).response.body.split('\n\n').length - 1;
    const sentAt = now();
    const response = await post(sim.current, '/v1/chat/completions', { model: 'm', stream: true }, {
      'x-sim-replay': name,
      'x-sim-first-chunk-ms': '30',
      'x-sim-interval-ms': '15',
    });
    await response.arrayBuffer();
    expect(now() - sentAt).toBeGreaterThanOrEqual(30 + (events - 1) * 15 - 1);
    const record = sim.current.calls.find((c) => c.id === response.headers.get('x-request-id'))!;
    expect(record.chunks).toBe(events);
  });

  it('returns a recorded whole body byte-identical', async () => {
    const name = 'openai-chat.json';
    const { request, response: recorded } = recording(name);
    const response = await post(sim.current, '/v1/chat/completions', request.body, { 'x-sim-replay': name });
    expect(await response.text()).toBe(recorded.body);
  });

  it('feeds a real Anthropic recording to the SDK', async () => {
    const name = 'anthropic-messages-stream.json';
    const message = await anthropicClient(sim.current, { 'x-sim-replay': name })
      .messages.stream({ model: 'claude-3-opus-20240229', max_tokens: 1024, messages: [{ role: 'user', content: 'x' }] })
      .finalMessage();
    expect(message.id).toBe('msg_0178nRhNdfNKxFcZRFqApVgL');
    expect(message.usage).toMatchObject({ input_tokens: 17, output_tokens: 158 });
  });

  it('can truncate a replay: the client gets exactly the first half of the recorded events', async () => {
    const name = 'openai-chat-stream-include-usage.json';
    const { body } = recording(name).response;
    const events = splitFrames(body, SSE);
    const response = await post(sim.current, '/v1/chat/completions', {}, { 'x-sim-replay': name, 'x-sim-error': 'truncate' });
    const reader = response.body!.getReader();
    const received: Uint8Array[] = [];
    await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        received.push(value);
      }
    })().catch(() => undefined);
    const text = Buffer.concat(received).toString('utf8');
    expect(text).toBe(events.slice(0, Math.floor(events.length / 2)).join(''));
  });

  it('answers 400 for an unknown recording, and never reads outside the directory', async () => {
    for (const name of ['no-such.json', '../README.md']) {
      const response = await post(sim.current, '/v1/messages', {}, { 'x-sim-replay': name });
      expect(response.status).toBe(400);
    }
  });
});
