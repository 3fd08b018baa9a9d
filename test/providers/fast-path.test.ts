// The property that lets the recorder skip most events: each provider's declared fast path gives
// the same facts and the same content events as a full parse of every event, over every stream
// recording and every stream the simulator writes (each provider's format, usage on and off, tool
// calls, in-stream errors), cut at event boundaries and at random bytes.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { recognise } from '../../agent/providers/table.js';
import type { RecognisedCall } from '../../agent/providers/types.js';
import { cutPlans, eventBoundaryCuts, loadRecording, outgoingRequestOf, replay } from './recordings.js';

const OLLAMA_PORT = 11434;
const messages = [{ role: 'user', content: 'hello there' }];

interface Stream {
  name: string;
  call: RecognisedCall;
  bytes: Uint8Array;
}

/** The same answer both ways, for every cut plan; returns how many events the fast path settled one-event-per-chunk. */
function expectSameAnswer({ call, bytes, name }: Stream): number {
  const { parser, streamFormat } = call.route;
  expect(parser.fastPath, `${name}: a streaming provider declares its fast path`).toBeDefined();
  for (const cuts of [eventBoundaryCuts(bytes), ...cutPlans(bytes.length, 40, 7)]) {
    const fast = replay(parser, streamFormat, bytes, cuts, undefined, { fastPath: true });
    const full = replay(parser, streamFormat, bytes, cuts, undefined, { fastPath: false });
    if (JSON.stringify(fast.facts) !== JSON.stringify(full.facts) || fast.contentEvents !== full.contentEvents) {
      expect({ name, cuts, facts: fast.facts, content: fast.contentEvents }).toEqual({ name, cuts, facts: full.facts, content: full.contentEvents });
    }
  }
  return replay(parser, streamFormat, bytes, eventBoundaryCuts(bytes)).settled;
}

describe('the declared fast path agrees with the full parse', () => {
  const recordings = readdirSync(new URL('../fixtures/provider-recordings/', import.meta.url))
    .filter((file) => file.endsWith('.json'))
    .map((file) => ({ file, recording: loadRecording(file) }))
    .filter(({ recording }) => /event-stream|ndjson/.test(recording.response.content_type));

  it.each(recordings.map(({ file }) => file))('recording %s', (file) => {
    const recording = recordings.find((r) => r.file === file)!.recording;
    const call = recognise(outgoingRequestOf(recording))!;
    const settled = expectSameAnswer({ name: file, call, bytes: new TextEncoder().encode(recording.response.body) });
    expect(settled).toBeGreaterThan(0);
  });

  describe('streams the simulator writes', () => {
    let sim: ModelSimulator;
    let ollama: ModelSimulator;
    beforeAll(async () => {
      sim = await startModelSimulator();
      ollama = await startModelSimulator({ port: OLLAMA_PORT }).catch(() => startModelSimulator());
    });
    afterAll(async () => {
      await sim?.close();
      await ollama?.close();
    });

    const CASES: Array<{ name: string; path: string; body: Record<string, unknown>; headers?: Record<string, string>; ollama?: boolean }> = [
      { name: 'OpenAI chat', path: '/v1/chat/completions', body: { model: 'm', stream: true, messages } },
      { name: 'OpenAI chat with usage', path: '/v1/chat/completions', body: { model: 'm', stream: true, stream_options: { include_usage: true }, messages } },
      { name: 'OpenAI chat, error mid-stream', path: '/v1/chat/completions', body: { model: 'm', stream: true, messages }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'OpenAI completions', path: '/v1/completions', body: { model: 'm', stream: true, prompt: 'hello' } },
      { name: 'OpenAI Responses', path: '/v1/responses', body: { model: 'm', stream: true, input: 'hello' } },
      { name: 'OpenAI Responses, error mid-stream', path: '/v1/responses', body: { model: 'm', stream: true, input: 'hello' }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'Anthropic', path: '/v1/messages', body: { model: 'm', stream: true, max_tokens: 64, messages } },
      { name: 'Anthropic, error mid-stream', path: '/v1/messages', body: { model: 'm', stream: true, max_tokens: 64, messages }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'Bedrock ConverseStream', path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream', body: { messages: [{ role: 'user', content: [{ text: 'hello there' }] }] } },
      { name: 'Bedrock ConverseStream, exception mid-stream', path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream', body: { messages: [] }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'Ollama chat', path: '/api/chat', body: { model: 'llama3', stream: true, messages }, ollama: true },
      { name: 'Ollama generate', path: '/api/generate', body: { model: 'llama3', stream: true, prompt: 'hello' }, ollama: true },
    ];

    it.each(CASES.map((c) => c.name))('%s', async (name) => {
      const { path, body, headers, ollama: isOllama } = CASES.find((c) => c.name === name)!;
      const server = isOllama ? ollama : sim;
      const url = new URL(path, server.url);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sim-chunks': '12', ...headers },
        body: JSON.stringify(body),
      });
      const bytes = new Uint8Array(await response.arrayBuffer());
      // Ollama's native paths are recognised on its port; the fast path is the parser's, whatever the port.
      const call = recognise({ method: 'POST', host: isOllama ? 'ollama' : url.hostname, port: isOllama ? OLLAMA_PORT : Number(url.port), path });
      expect(call, name).toBeDefined();
      expectSameAnswer({ name, call: call!, bytes });
    });
  });
});
