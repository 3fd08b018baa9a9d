// The property that lets the recorder skip most events: each provider's declared fast path gives
// the same facts and the same content events as a full parse of every event, over every stream
// recording and every stream the simulator writes (each provider's format, usage on and off, tool
// calls, in-stream errors), cut at event boundaries and at random bytes.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { recognise } from '../../agent/providers/table.js';
import { streamFormatOf } from '../../agent/providers/exchange-reader.js';
import type { RecognisedCall, StreamFormat } from '../../agent/providers/types.js';
import { cutPlans, eventBoundaryCuts, loadRecording, outgoingRequestOf, replay } from './recordings.js';

const OLLAMA_PORT = 11434;
const messages = [{ role: 'user', content: 'hello there' }];
const contents = [{ role: 'user', parts: [{ text: 'hello there' }] }];

interface Stream {
  name: string;
  call: RecognisedCall;
  /** The format the exchange reader decodes it in (from the response's content type). */
  format: StreamFormat;
  bytes: Uint8Array;
}

/** The stream format of a streamed response, as the exchange reader chooses it; undefined for a whole body. */
function streamFormatFor(call: RecognisedCall, contentType: string, bodyAsksStream: boolean): StreamFormat | undefined {
  return streamFormatOf(contentType, call.route.streams === true || bodyAsksStream ? call.route.streamFormat : undefined);
}

/** The same answer both ways, for every cut plan; returns how many events the fast path settled one-event-per-chunk. */
function expectSameAnswer({ call, format: streamFormat, bytes, name }: Stream): number {
  const { parser } = call.route;
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
    .map(({ file, recording }) => {
      const call = recognise(outgoingRequestOf(recording))!;
      const format = streamFormatFor(call, recording.response.content_type, recording.request.body?.stream === true);
      return { file, recording, call, format };
    })
    .filter(({ format }) => format !== undefined)
    // InvokeModelWithResponseStream's payloads are base64 of the model family's own events: its
    // parser reads each one (the event-stream decoder's own shortcut is tested in aws-eventstream.test.ts).
    .filter(({ call, format }) => format !== 'aws-eventstream' || call.route.parser.fastPath !== undefined);

  it.each(recordings.map(({ file }) => file))('recording %s', (file) => {
    const { recording, call, format } = recordings.find((r) => r.file === file)!;
    const { body, body_base64: base64 } = recording.response as { body?: string; body_base64?: string };
    const bytes = base64 === undefined ? new TextEncoder().encode(body) : new Uint8Array(Buffer.from(base64, 'base64'));
    const settled = expectSameAnswer({ name: file, call, format: format!, bytes });
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

    /** Cohere's paths are recognised on its own host; the fast path is the parser's, whatever the host. */
    const cohere = 'api.cohere.com';
    const CASES: Array<{ name: string; path: string; body: Record<string, unknown>; headers?: Record<string, string>; ollama?: boolean; host?: string }> = [
      { name: 'OpenAI chat', path: '/v1/chat/completions', body: { model: 'm', stream: true, messages } },
      { name: 'OpenAI chat with usage', path: '/v1/chat/completions', body: { model: 'm', stream: true, stream_options: { include_usage: true }, messages } },
      { name: 'OpenAI chat, error mid-stream', path: '/v1/chat/completions', body: { model: 'm', stream: true, messages }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'OpenAI completions', path: '/v1/completions', body: { model: 'm', stream: true, prompt: 'hello' } },
      { name: 'OpenAI Responses', path: '/v1/responses', body: { model: 'm', stream: true, input: 'hello' } },
      { name: 'OpenAI Responses, error mid-stream', path: '/v1/responses', body: { model: 'm', stream: true, input: 'hello' }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'Anthropic', path: '/v1/messages', body: { model: 'm', stream: true, max_tokens: 64, messages } },
      { name: 'Anthropic, error mid-stream', path: '/v1/messages', body: { model: 'm', stream: true, max_tokens: 64, messages }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'Gemini, SSE (alt=sse)', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', body: { contents } },
      { name: 'Gemini, JSON array', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', body: { contents, generationConfig: { thinkingConfig: { thinkingBudget: 8 } } } },
      { name: 'Gemini, error mid-stream (SSE)', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse', body: { contents }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'Gemini, error mid-stream (JSON array)', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', body: { contents }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'Gemini, cut mid-array', path: '/v1beta/models/gemini-2.5-flash:streamGenerateContent', body: { contents }, headers: { 'x-sim-error': 'truncate' } },
      { name: 'Gemini on Vertex AI, usage only at the end', path: '/v1/projects/p/locations/l/publishers/google/models/gemini-2.5-pro:streamGenerateContent?alt=sse', body: { contents, cachedContent: 'cachedContents/c1' } },
      { name: 'Claude on Vertex AI', path: '/v1/projects/p/locations/l/publishers/anthropic/models/claude-sonnet-4@20250514:streamRawPredict', body: { anthropic_version: 'vertex-2023-10-16', stream: true, max_tokens: 64, messages } },
      { name: 'Bedrock ConverseStream', path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream', body: { messages: [{ role: 'user', content: [{ text: 'hello there' }] }] } },
      { name: 'Bedrock ConverseStream, exception mid-stream', path: '/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream', body: { messages: [] }, headers: { 'x-sim-error': 'midstream' } },
      { name: 'Ollama chat', path: '/api/chat', body: { model: 'llama3', stream: true, messages }, ollama: true },
      { name: 'Ollama generate', path: '/api/generate', body: { model: 'llama3', stream: true, prompt: 'hello' }, ollama: true },
      { name: 'Cohere v2 chat', path: '/v2/chat', body: { model: 'm', stream: true, messages }, host: cohere },
      { name: 'Cohere v2 chat, error mid-stream', path: '/v2/chat', body: { model: 'm', stream: true, messages }, headers: { 'x-sim-error': 'midstream' }, host: cohere },
      { name: 'Cohere v1 chat', path: '/v1/chat', body: { model: 'm', stream: true, message: 'hello' }, host: cohere },
      { name: 'Cohere v1 generate', path: '/v1/generate', body: { model: 'm', stream: true, prompt: 'hello' }, host: cohere },
      { name: 'Cohere v1 generate, error mid-stream', path: '/v1/generate', body: { model: 'm', stream: true, prompt: 'hello' }, headers: { 'x-sim-error': 'midstream' }, host: cohere },
    ];

    /** Every case's stream, read before any is compared: the comparisons take seconds of CPU, past the simulator's keep-alive window. */
    const streams = new Map<string, Stream>();
    beforeAll(async () => {
      for (const { name, path, body, headers, ollama: isOllama, host } of CASES) {
        const server = isOllama ? ollama : sim;
        const url = new URL(path, server.url);
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-sim-chunks': '12', ...headers },
          body: JSON.stringify(body),
        });
        // A stream the simulator cuts short ends in an error: the bytes that came are the stream.
        const parts: Uint8Array[] = [];
        await (async () => {
          for await (const part of response.body!) parts.push(part);
        })().catch(() => undefined);
        // Ollama's native paths are recognised on its port; the fast path is the parser's, whatever the port.
        const call = recognise({ method: 'POST', host: host ?? (isOllama ? 'ollama' : url.hostname), port: isOllama ? OLLAMA_PORT : Number(url.port), path: url.pathname });
        const format = call && streamFormatFor(call, response.headers.get('content-type') ?? '', body.stream === true);
        if (call && format) streams.set(name, { name, call, format, bytes: new Uint8Array(Buffer.concat(parts)) });
      }
    });

    it.each(CASES.map((c) => c.name))('%s', (name) => {
      const stream = streams.get(name);
      expect(stream, `${name}: recognised, and read as a stream`).toBeDefined();
      expectSameAnswer(stream!);
    });
  });
});
