// Ollama's native API on a host and port that say nothing of Ollama is recognised by its exchange:
// an Ollama-shaped request body and an Ollama-shaped response (its first NDJSON line, or its whole
// JSON body). An ordinary service's /api/chat gets no model-call span, and its bytes are untouched.
// In-process, both taps, a real SDK tracer, the model simulator and a plain HTTP server.
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generatedTokens, startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { recogniseCandidate } from '../../agent/providers/table.js';
import { startFetchTap, type FetchTap } from '../../agent/transport/fetch-tap.js';
import { startHttpTap } from '../../agent/transport/http-tap.js';
import { ModelCalls } from '../../agent/transport/model-calls.js';

const ollamaChat = (model: string, extra: object = {}) => ({ model, messages: [{ role: 'user', content: 'why is the sky blue?' }], options: { temperature: 0.1 }, ...extra });
const TEXT = generatedTokens(5).join('');

/** What an ordinary service answers on its own /api/chat, by the `x-answer` request header. */
const ANSWERS: Record<string, { type: string; body: string }> = {
  json: { type: 'application/json', body: JSON.stringify({ model: 'support-bot', reply: 'Hello!', done: true }) },
  sse: { type: 'text/event-stream', body: 'data: {"model":"m","created_at":"2025-01-01T00:00:00Z","done":false}\n\n' },
  ndjson: { type: 'application/x-ndjson', body: '{"model":"m","token":"a"}\n{"model":"m","token":"b"}\n' },
  'ollama-lookalike': { type: 'application/x-ndjson', body: '{"model":"m","created_at":"2025-01-01T00:00:00Z","done":true}\n' },
  error: { type: 'application/json', body: JSON.stringify({ error: 'model "m" not found, try pulling it first' }) },
};

let sim: ModelSimulator;
let app: Server;
let appUrl: string;
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const calls = new ModelCalls(provider.getTracer('llm-otel-agent'), { captureContent: false, captureMaxLength: 100, idleTimeoutMs: 60_000, streamIncludeUsage: false });
let fetchTap: FetchTap;
let stopHttpTap: () => void;

beforeAll(async () => {
  sim = await startModelSimulator();
  app = createServer((req, res) => {
    req.resume();
    const answer = ANSWERS[String(req.headers['x-answer'])] ?? ANSWERS.json!;
    res.writeHead(req.headers['x-answer'] === 'error' ? 404 : 200, { 'content-type': answer.type });
    res.end(answer.body);
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  fetchTap = startFetchTap(calls);
  stopHttpTap = startHttpTap(calls);
});
afterAll(async () => {
  fetchTap.stop();
  stopHttpTap();
  calls.endAll();
  await sim.close();
  app.closeAllConnections();
  await new Promise((resolve) => app.close(resolve));
});
beforeEach(() => exporter.reset());

type Send = (url: string, body: unknown, headers?: Record<string, string>) => Promise<{ status: number; text: string; type: string | undefined }>;

const viaFetch: Send = async (url, body, headers = {}) => {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: response.status, type: response.headers.get('content-type') ?? undefined, text: await response.text() };
};

const viaHttp: Send = (url, body, headers = {}) =>
  new Promise((resolve, reject) => {
    const request = httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      const parts: Buffer[] = [];
      response.on('data', (part: Buffer) => parts.push(part));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], text: Buffer.concat(parts).toString('utf8') }));
    });
    request.on('error', reject);
    request.end(JSON.stringify(body));
  });

async function spansAfter(ms = 50): Promise<ReadableSpan[]> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  return exporter.getFinishedSpans();
}

describe('the candidate routes', () => {
  it('are Ollama\'s native paths on any host, after any prefix, POST only', () => {
    const candidate = (url: string, method = 'POST') => {
      const { hostname, port, pathname } = new URL(url);
      return recogniseCandidate({ method, host: hostname, port: Number(port) || 80, path: pathname });
    };
    expect(candidate('http://gpu-box:8080/api/chat')?.route.operation).toBe('chat');
    expect(candidate('https://llm.internal/ollama/api/generate')?.route.operation).toBe('text_completion');
    expect(candidate('http://gpu-box:8080/api/chat', 'GET')).toBeUndefined();
    expect(candidate('http://gpu-box:8080/api/tags')).toBeUndefined();
    expect(candidate('http://gpu-box:8080/api/chatter')).toBeUndefined();
  });
});

for (const [tap, send] of [['fetch', viaFetch], ['node:http', viaHttp]] as const) {
  describe(`Ollama on a port and host that name no model server, over ${tap}`, () => {
    it('a stream proven by its first line: one chat span from the request\'s start, time to first chunk on the schedule', async () => {
      const issuedAt = performance.timeOrigin + performance.now();
      const response = await send(`${sim.url}/api/chat`, ollamaChat(`shape-${tap}`), { 'x-sim-first-chunk-ms': '120', 'x-sim-interval-ms': '5' });
      expect(response.type).toBe('application/x-ndjson');
      const lines = response.text.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(lines.map((line) => line.message.content).join('')).toBe(TEXT);
      const spans = await spansAfter();
      expect(spans).toHaveLength(1);
      const span = spans[0]!;
      expect(span.name).toBe(`chat shape-${tap}`);
      expect(span.attributes).toMatchObject({
        'gen_ai.provider.name': 'ollama',
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.temperature': 0.1,
        'gen_ai.response.model': `shape-${tap}`,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.output_tokens': 5,
        'llm.response.chunk_count': 5,
        'server.port': sim.port,
        'http.response.status_code': 200,
      });
      const startMs = span.startTime[0] * 1000 + span.startTime[1] / 1e6;
      // From when the request was made, not when its first line proved it (120 ms later).
      expect(startMs).toBeGreaterThanOrEqual(issuedAt - 1);
      expect(startMs).toBeLessThan(issuedAt + 60);
      expect(span.attributes['gen_ai.response.time_to_first_chunk'] as number).toBeGreaterThanOrEqual(0.12);
    });

    it('a whole JSON body proven at its end: generate, with usage and no stream timings', async () => {
      const response = await send(`${sim.url}/api/generate`, { model: `whole-${tap}`, prompt: 'why?', stream: false });
      expect(JSON.parse(response.text)).toMatchObject({ response: TEXT, done: true });
      const [span] = await spansAfter();
      expect(span?.name).toBe(`text_completion whole-${tap}`);
      expect(span!.attributes).toMatchObject({ 'gen_ai.usage.output_tokens': 5, 'gen_ai.response.finish_reasons': ['stop'] });
      expect(span!.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(span!.attributes['gen_ai.response.time_to_first_chunk']).toBeUndefined();
    });

    it.each(['json', 'sse', 'ndjson', 'error'])('an ordinary service\'s /api/chat answering %s: no span, the bytes as sent', async (answer) => {
      const response = await send(`${appUrl}/api/chat`, ollamaChat('m'), { 'x-answer': answer });
      expect(response.text).toBe(ANSWERS[answer]!.body);
      expect(await spansAfter()).toEqual([]);
    });

    it('an Ollama-shaped response to a request without Ollama\'s shape is no model call either', async () => {
      const response = await send(`${appUrl}/api/chat`, { messages: [{ role: 'user', content: 'hi' }] }, { 'x-answer': 'ollama-lookalike' });
      expect(response.text).toBe(ANSWERS['ollama-lookalike']!.body);
      expect(await spansAfter()).toEqual([]);
      await send(`${appUrl}/api/chat`, { model: 'm', messages: 'not a list' }, { 'x-answer': 'ollama-lookalike' });
      expect(await spansAfter()).toEqual([]);
    });

    it('the same Ollama-shaped pair on the ordinary server is one: the proof is the exchange, not the host', async () => {
      await send(`${appUrl}/api/chat`, ollamaChat('lookalike'), { 'x-answer': 'ollama-lookalike' });
      const spans = await spansAfter();
      expect(spans.map((s) => s.name)).toEqual(['chat lookalike']);
    });
  });
}
