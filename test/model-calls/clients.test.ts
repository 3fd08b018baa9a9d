// Model calls through the real clients, each in a child process under `node --import
// llm-otel-agent`, against the model simulator (a real HTTP server streaming on a known schedule).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedTokens, startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { startApp, stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { expectTtftBracketed as expectTtft, modelSpansIn, spanOfModel } from './model-spans.js';

const RECORDINGS_DIR = new URL('../fixtures/provider-recordings/', import.meta.url).pathname;
const APP = readFileSync(new URL('./clients-app.mjs', import.meta.url), 'utf8');
const CLIENT = 2;
const ERROR = 2;
/** What the simulator generates for a 10-chunk call. */
const TEN_TOKENS = generatedTokens(10).join('');
/** Ollama's native API is recognised on its own port (its paths, /api/chat, are too common elsewhere). */
const OLLAMA_PORT = 11434;

const SCENARIOS = [
  'openai-stream',
  'openai-stream-no-usage',
  'openai-nonstream',
  'openai-break',
  'openai-tee',
  'openai-429',
  'openai-500-stream',
  'openai-truncate',
  'openai-responses-stream',
  'openai-embeddings',
  'openai-v4-stream',
  'openai-v4-break',
  'anthropic-stream',
  'anthropic-nonstream',
  'fetch-ollama-chat',
  'fetch-secrets',
  'cohere-v2-stream',
  'cohere-v2-chat',
  'cohere-v2-embed',
  'cohere-v2-rerank',
  'cohere-v1-stream',
  'cohere-429',
  'cohere-abort',
];
/** What the service's own /api/chat answers (the plain server): not Ollama's shape. */
const PLAIN_CHAT_ANSWER = JSON.stringify({ model: 'support-bot', reply: 'Hello from our own chat backend', done: true });
/** What the simulator adds to a Cohere prompt's billed tokens, as Cohere's preamble does. */
const COHERE_PREAMBLE_TOKENS = 66;

let sim: ModelSimulator;
let ollama: ModelSimulator;
let plain: Server;
let plainUrl: string;
let receiver: OtlpReceiver;
let results: Map<string, Record<string, unknown>>;
let spans: ReceivedSpan[];
let appStderr: string;

async function runScenarios(scenarios: string[], env: Record<string, string> = {}) {
  const app = await startApp({
    script: APP,
    ext: 'mjs',
    env: {
      SIM_URL: sim.url,
      OLLAMA_URL: ollama.url,
      PLAIN_URL: plainUrl,
      // The simulator on 127.0.0.1 stands in for Cohere: the test declares it a Cohere server, as a
      // service behind a Cohere proxy would.
      LLM_OTEL_MODEL_SERVERS: `${sim.url}=cohere`,
      RECORDINGS_DIR,
      SCENARIOS: scenarios.join(','),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '100',
      ...env,
    },
  });
  const exit = await app.exited;
  expect(exit.code, app.stderr).toBe(0);
  const lines = app.stdout.split('\n').filter((line) => line.startsWith('RESULT '));
  return { stderr: app.stderr, results: new Map(lines.map((line) => JSON.parse(line.slice(7))).map((r) => [r.name as string, r])) };
}

const modelSpans = () => modelSpansIn(spans);
const spanOf = (model: string) => spanOfModel(spans, model);
const recordOf = (model: string) => [...sim.calls, ...ollama.calls].find((call) => call.model === model)!;
const expectTtftBracketed = (model: string, span: ReceivedSpan) => expectTtft(span, recordOf(model), results.get(model)!.firstContentReadAt as number);

beforeAll(async () => {
  sim = await startModelSimulator({ replayDir: RECORDINGS_DIR });
  ollama = await startModelSimulator({ port: OLLAMA_PORT });
  plain = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' }).end(PLAIN_CHAT_ANSWER);
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  receiver = await startOtlpReceiver();
  const run = await runScenarios(SCENARIOS);
  results = run.results;
  appStderr = run.stderr;
  spans = [...receiver.spans];
}, 120_000);
afterAll(async () => {
  await stopAll();
  await receiver.close();
  await sim.close();
  await ollama.close();
  plain.closeAllConnections();
  plain.close();
});

describe('model-call spans through real clients', () => {
  it('every scenario ran and the agent said nothing', () => {
    expect([...results.keys()]).toEqual(SCENARIOS);
    expect(appStderr).toBe('');
  });

  it('openai (fetch) streaming chat: GenAI attributes, usage, finish reason, time to first chunk on the simulator schedule', () => {
    const span = spanOf('openai-stream');
    expect(span.name).toBe('chat openai-stream');
    expect(span.kind).toBe(CLIENT);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'openai-stream',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.stream': true,
      'gen_ai.response.model': 'openai-stream',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.output_tokens': 10,
      'llm.response.chunk_count': 10,
      'server.address': '127.0.0.1',
      'server.port': sim.port,
      'http.response.status_code': 200,
    });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(span.attributes['gen_ai.response.id']).toMatch(/^chatcmpl-/);
    expect(span.status.code).not.toBe(ERROR);
    // Time to first chunk: span start (the app issued the request) → the first content chunk, which
    // the simulator wrote 150 ms after the request arrived.
    expectTtftBracketed('openai-stream', span);
    // 20 ms between chunks on the schedule; no more than the simulator actually took (a loaded
    // machine stretches its timers), plus a little for the last chunk's way through the socket.
    const record = recordOf('openai-stream');
    const writtenMean = (record.endedAt! - record.firstContentWrittenAt!) / 1000 / (record.chunks - 1);
    expect(span.attributes['llm.response.time_per_output_chunk.mean'] as number).toBeGreaterThanOrEqual(0.018);
    expect(span.attributes['llm.response.time_per_output_chunk.mean'] as number).toBeLessThan(writtenMean + 0.005);
    expect(span.attributes['llm.response.time_per_output_chunk.max'] as number).toBeGreaterThanOrEqual(0.018);
    expect(results.get('openai-stream')!.text).toBe(TEN_TOKENS);
  });

  it('one span per model call: no second plain HTTP client span for the same request', () => {
    const toSimulators = spans.filter((s) => s.kind === CLIENT && /127\.0\.0\.1:(\d+)/.test(String(s.attributes['url.full'])));
    // The Anthropic SDK emits a span of its own (on by default); it wraps the agent's and is not
    // counted in the agent's metrics. No HTTP instrumentation span doubles a model call.
    const scopes = new Set(toSimulators.map((s) => s.scope.name));
    expect(scopes).toEqual(new Set(['llm-otel-agent', 'com.anthropic.sdk.typescript']));
    expect(modelSpans()).toHaveLength(SCENARIOS.length);
    const sdkSpan = spans.find((s) => s.scope.name === 'com.anthropic.sdk.typescript')!;
    expect(modelSpans().some((s) => s.parentSpanId === sdkSpan.spanId)).toBe(true);
  });

  it('a stream without usage records an estimate under its own name, never as gen_ai.usage.*', () => {
    const span = spanOf('openai-stream-no-usage');
    expect(span.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
    expect(span.attributes['llm.usage.output_tokens_estimate']).toBe(10);
  });

  it('openai non-streamed chat: usage and finish reason from the body, no stream timings', () => {
    const span = spanOf('openai-nonstream');
    const usage = results.get('openai-nonstream')!.usage as { prompt_tokens: number; completion_tokens: number };
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.input_tokens': usage.prompt_tokens,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeUndefined();
  });

  for (const model of ['openai-break', 'openai-v4-break']) {
    it(`${model}: breaking out of the stream ends the span as cancelled`, () => {
      expect(results.get(model)).toMatchObject({ ok: true, seen: 3 });
      const span = spanOf(model);
      expect(span.status.code).toBe(ERROR);
      expect(span.attributes['error.type']).toBe('cancelled');
      expect(span.attributes['llm.response.end']).toBe('cancelled');
      expect(span.attributes['llm.response.chunk_count'] as number).toBeGreaterThanOrEqual(3);
      expect(span.attributes['llm.response.chunk_count'] as number).toBeLessThan(50);
    });
  }

  it('tee() of an SDK stream: both branches read the same text, one span', () => {
    expect(results.get('openai-tee')).toMatchObject({ ok: true, same: true });
    expect(spanOf('openai-tee').attributes['gen_ai.usage.output_tokens']).toBe(10);
  });

  it('HTTP errors: status, error.type and span status; the SDK still sees its own error', () => {
    expect(results.get('openai-429')).toMatchObject({ ok: false, error: 'RateLimitError', status: 429 });
    expect(spanOf('openai-429').attributes).toMatchObject({ 'error.type': '429', 'http.response.status_code': 429 });
    expect(spanOf('openai-429').status.code).toBe(ERROR);
    expect(results.get('openai-500-stream')).toMatchObject({ ok: false, status: 500 });
    expect(spanOf('openai-500-stream').attributes['error.type']).toBe('500');
  });

  it('a stream the server cuts off is an error, and the app gets the same error it would without the agent', () => {
    expect(results.get('openai-truncate')!.ok).toBe(false);
    const span = spanOf('openai-truncate');
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes['error.type']).toBeTruthy();
  });

  it('Responses API stream', () => {
    const span = spanOf('openai-responses-stream');
    expect(span.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.request.max_tokens': 100, 'gen_ai.usage.output_tokens': 10 });
    expect(span.attributes['gen_ai.response.time_to_first_chunk'] as number).toBeGreaterThanOrEqual(0.15);
    expect(results.get('openai-responses-stream')!.text).toBe(TEN_TOKENS);
  });

  it('embeddings', () => {
    const span = spanOf('openai-embeddings');
    expect(span.name).toBe('embeddings openai-embeddings');
    expect(span.attributes['gen_ai.operation.name']).toBe('embeddings');
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
  });

  it('openai v4 (node-fetch over node:http) streaming chat: same span through the http tap', () => {
    const span = spanOf('openai-v4-stream');
    expect(span.attributes).toMatchObject({ 'gen_ai.usage.output_tokens': 10, 'gen_ai.response.finish_reasons': ['stop'], 'llm.response.chunk_count': 10 });
    expectTtftBracketed('openai-v4-stream', span);
    expect(results.get('openai-v4-stream')!.text).toBe(TEN_TOKENS);
  });

  it('anthropic streaming and non-streamed messages', () => {
    const stream = spanOf('anthropic-stream');
    expect(stream.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.max_tokens': 128,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.output_tokens': 10,
    });
    expect(stream.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expectTtftBracketed('anthropic-stream', stream);
    const usage = results.get('anthropic-nonstream')!.usage as { input_tokens: number; output_tokens: number };
    expect(spanOf('anthropic-nonstream').attributes).toMatchObject({
      'gen_ai.usage.input_tokens': usage.input_tokens,
      'gen_ai.usage.output_tokens': usage.output_tokens,
    });
  });

  it('Ollama native NDJSON stream over plain fetch', () => {
    const span = spanOf('fetch-ollama-chat');
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'ollama',
      'server.port': OLLAMA_PORT,
      'gen_ai.request.temperature': 0.1,
      'gen_ai.request.max_tokens': 100,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(span.attributes['gen_ai.response.time_to_first_chunk'] as number).toBeGreaterThanOrEqual(0.15);
  });

  it('no secret reaches any span: API keys, auth headers and key-bearing query strings', () => {
    const everything = JSON.stringify(spans, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    expect(everything).not.toMatch(/SECRET/);
    expect(spanOf('fetch-secrets').attributes['url.full']).toBe(
      `http://127.0.0.1:${sim.port}/v1/chat/completions?api-key=REDACTED&api-version=2024-10-21`,
    );
  });

  it('Cohere v2 streaming chat (cohere-ai): every request attribute, tokens (not billed units), COMPLETE, time to first chunk on the schedule', () => {
    const span = spanOf('cohere-v2-stream');
    expect(span.name).toBe('chat cohere-v2-stream');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'cohere',
      'gen_ai.request.model': 'cohere-v2-stream',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.seed': 7,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.frequency_penalty': 0.1,
      'gen_ai.request.presence_penalty': 0.2,
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['COMPLETE'],
      'gen_ai.usage.output_tokens': 10,
      'llm.response.chunk_count': 10,
      'server.address': '127.0.0.1',
      'server.port': sim.port,
      'http.response.status_code': 200,
    });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(recordOf('cohere-v2-stream').promptTokens! + COHERE_PREAMBLE_TOKENS);
    expect(span.attributes['gen_ai.response.id']).toMatch(/^[0-9a-f-]{36}$/);
    expectTtftBracketed('cohere-v2-stream', span);
    expect(results.get('cohere-v2-stream')!.text).toBe(TEN_TOKENS);
  });

  it('Cohere v2 chat, embed and rerank (cohere-ai): ids and usage equal what the client read', () => {
    const chat = results.get('cohere-v2-chat')! as { id: string; usage: { tokens: { inputTokens: number; outputTokens: number } } };
    expect(spanOf('cohere-v2-chat').attributes).toMatchObject({
      'gen_ai.response.id': chat.id,
      'gen_ai.usage.input_tokens': chat.usage.tokens.inputTokens,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.response.finish_reasons': ['COMPLETE'],
      'gen_ai.request.stream': false,
    });
    expect(spanOf('cohere-v2-chat').attributes['gen_ai.response.time_to_first_chunk']).toBeUndefined();
    const embed = spanOf('cohere-v2-embed');
    expect(embed.name).toBe('embeddings cohere-v2-embed');
    expect(embed.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'cohere',
      'gen_ai.request.encoding_formats': ['float'],
      'gen_ai.embeddings.dimension.count': results.get('cohere-v2-embed')!.dims,
      'gen_ai.usage.input_tokens': 2,
      'gen_ai.response.id': results.get('cohere-v2-embed')!.id,
    });
    const rerank = spanOf('cohere-v2-rerank');
    expect(rerank.name).toBe('rerank cohere-v2-rerank');
    expect(rerank.attributes).toMatchObject({ 'gen_ai.operation.name': 'rerank', 'gen_ai.response.id': results.get('cohere-v2-rerank')!.id });
    expect(rerank.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('Cohere v1 streaming chat (application/stream+json lines through the v1 client)', () => {
    const span = spanOf('cohere-v1-stream');
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'cohere',
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.temperature': 0.3,
      'gen_ai.response.finish_reasons': ['COMPLETE'],
      'gen_ai.usage.output_tokens': 10,
      'llm.response.chunk_count': 10,
    });
    expect(span.attributes['gen_ai.response.id']).toMatch(/^[0-9a-f-]{36}$/);
    expectTtftBracketed('cohere-v1-stream', span);
    expect(results.get('cohere-v1-stream')!.text).toBe(TEN_TOKENS);
  });

  it('Cohere: an HTTP error and an aborted stream, the client seeing its own error', () => {
    expect(results.get('cohere-429')).toMatchObject({ ok: false, error: 'TooManyRequestsError' });
    expect(spanOf('cohere-429').attributes).toMatchObject({ 'error.type': '429', 'http.response.status_code': 429 });
    expect(spanOf('cohere-429').status.code).toBe(ERROR);
    expect(results.get('cohere-abort')).toMatchObject({ ok: true, seen: 3 });
    const aborted = spanOf('cohere-abort');
    expect(aborted.attributes).toMatchObject({ 'error.type': 'cancelled', 'llm.response.end': 'cancelled' });
    expect(aborted.attributes['llm.response.chunk_count'] as number).toBeGreaterThanOrEqual(3);
    expect(aborted.attributes['llm.response.chunk_count'] as number).toBeLessThan(50);
  });

  it('Cohere\'s bearer token reaches no span', () => {
    const everything = JSON.stringify(spans, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    expect(everything).not.toContain('co-SECRET');
  });

  it('prompts and completions are not recorded by default', () => {
    for (const span of modelSpans()) {
      expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
      expect(span.attributes['gen_ai.output.messages']).toBeUndefined();
    }
  });
});

describe('Ollama recognised by its exchange', () => {
  it('Ollama on a port and host that name no model server is a model call; the service\'s own /api/chat stays a plain HTTP span', async () => {
    receiver.clear();
    const run = await runScenarios(['fetch-ollama-by-shape', 'fetch-api-chat-not-ollama']);
    expect(run.stderr).toBe('');
    expect(run.results.get('fetch-api-chat-not-ollama')).toMatchObject({ ok: true, body: PLAIN_CHAT_ANSWER });
    const all = await receiver.waitForSpans((received) => received.filter((s) => s.kind === CLIENT).length >= 3);
    const agent = all.filter((s) => s.scope.name === 'llm-otel-agent');
    expect(agent.map((s) => s.attributes['gen_ai.request.model'])).toEqual(['fetch-ollama-by-shape']);
    expect(agent[0]!.attributes).toMatchObject({
      'gen_ai.provider.name': 'ollama',
      'gen_ai.operation.name': 'chat',
      'server.port': sim.port,
      'gen_ai.request.temperature': 0.1,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.response.finish_reasons': ['stop'],
    });
    expect(agent[0]!.attributes['gen_ai.response.time_to_first_chunk'] as number).toBeGreaterThanOrEqual(0.15);
    // The plain HTTP span began before the response proved the call; it stays, beside the model span.
    const plainSpans = all.filter((s) => s.kind === CLIENT && s.scope.name !== 'llm-otel-agent').map((s) => String(s.attributes['url.full']));
    expect(plainSpans.sort()).toEqual([`${plainUrl}/api/chat`, `${sim.url}/api/chat`].sort());
  });
});

describe('the GenAI names renamed after v1.41 (opt-in)', () => {
  it('OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: Anthropic\'s cache writes as gen_ai.usage.cache_write.input_tokens, v1.41\'s name by default', async () => {
    expect(spanOf('anthropic-stream').attributes).toHaveProperty(['gen_ai.usage.cache_creation.input_tokens'], 0);
    expect(spanOf('anthropic-stream').attributes).not.toHaveProperty(['gen_ai.usage.cache_write.input_tokens']);
    receiver.clear();
    await runScenarios(['anthropic-stream'], { OTEL_SEMCONV_STABILITY_OPT_IN: 'gen_ai_latest_experimental' });
    const [span] = (await receiver.waitForSpans((all) => all.some((s) => s.scope.name === 'llm-otel-agent'))).filter((s) => s.scope.name === 'llm-otel-agent');
    expect(span!.attributes).toHaveProperty(['gen_ai.usage.cache_write.input_tokens'], 0);
    expect(span!.attributes).not.toHaveProperty(['gen_ai.usage.cache_creation.input_tokens']);
  });
});

describe('content capture (opt-in)', () => {
  it('OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true records messages, truncated to the configured size', async () => {
    receiver.clear();
    await runScenarios(['openai-stream', 'anthropic-stream'], {
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true',
      LLM_OTEL_CAPTURE_MAX_LENGTH: '60',
    });
    const captured = receiver.spans.filter((s) => s.scope.name === 'llm-otel-agent');
    expect(captured).toHaveLength(2);
    for (const span of captured) {
      const input = span.attributes['gen_ai.input.messages'] as string;
      expect(input.startsWith('[{"role":"user","parts":[{"type":"text","content":')).toBe(true);
      expect(input).toMatch(/…\[truncated \d+ chars\]$/);
      expect(span.attributes['gen_ai.output.messages']).toMatch(/^\[\{"role":"assistant"/);
    }
    const anthropicSpan = captured.find((s) => s.attributes['gen_ai.provider.name'] === 'anthropic')!;
    expect(anthropicSpan.attributes['gen_ai.system_instructions']).toContain('be brief');
  });
});

describe('multi-byte characters split across chunks', () => {
  it('decode whole in the recorded completion, and the app reads the same text', async () => {
    receiver.clear();
    const run = await runScenarios(['openai-stream-split-utf8'], { OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    expect(run.results.get('openai-stream-split-utf8')).toMatchObject({ ok: true, text: TEN_TOKENS });
    const [span] = await receiver.waitForSpans((all) => all.some((s) => s.scope.name === 'llm-otel-agent'));
    const output = JSON.parse(span!.attributes['gen_ai.output.messages'] as string);
    expect(output[0].parts[0].content).toBe(TEN_TOKENS);
    expect(TEN_TOKENS).toMatch(/世界 👋/);
  });
});

describe('usage for streams that carry none (opt-in)', () => {
  it('LLM_OTEL_STREAM_INCLUDE_USAGE=true asks OpenAI-compatible streams for usage, over fetch and node:http', async () => {
    receiver.clear();
    const run = await runScenarios(['openai-stream-default', 'openai-v4-stream-no-usage'], { LLM_OTEL_STREAM_INCLUDE_USAGE: 'true' });
    const agentSpans = await receiver.waitForSpans((all) => all.filter((s) => s.scope.name === 'llm-otel-agent').length === 2);
    for (const name of ['openai-stream-default', 'openai-v4-stream-no-usage']) {
      expect(run.results.get(name)).toMatchObject({ ok: true, text: TEN_TOKENS });
      const span = agentSpans.find((s) => s.attributes['gen_ai.request.model'] === name)!;
      expect(span.attributes['gen_ai.usage.output_tokens']).toBe(10);
      expect(span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
      expect(span.attributes['llm.usage.output_tokens_estimate']).toBeUndefined();
    }
  });
});

describe('replay of real provider recordings', () => {
  // Bedrock's recordings (binary event streams, the model in the path) replay through the AWS SDK
  // over HTTP/2, and through fetch, in bedrock.test.ts.
  const files = readdirSync(RECORDINGS_DIR).filter((f) => f.endsWith('.json') && !f.startsWith('bedrock-'));
  for (const file of files) {
    it(`${file}: model, tokens and finish reasons equal the recording, and the app reads the exact bytes`, async () => {
      receiver.clear();
      const recording = JSON.parse(readFileSync(RECORDINGS_DIR + file, 'utf8'));
      const run = await runScenarios([file]);
      const result = run.results.get(file)!;
      expect(result.ok).toBe(true);
      expect(result.sha).toBe(createHash('sha256').update(recording.response.body).digest('hex'));
      const [span] = await receiver.waitForSpans((all) => all.some((s) => s.scope.name === 'llm-otel-agent')).then((all) => all.filter((s) => s.scope.name === 'llm-otel-agent'));
      const expected = new URL(recording.request.url).hostname.includes('cohere') ? expectedCohereFacts(recording) : expectedFacts(recording);
      expect(span!.attributes).toMatchObject(expected);
    });
  }
});

/** What the recording itself says, read independently of the agent's parsers. */
function expectedFacts(recording: { request: { url: string; body: { model?: string } | null }; response: { body: string } }): Record<string, unknown> {
  const body = recording.response.body.replaceAll('\r\n', '\n'); // Google frames SSE with CRLF
  const events = body.trimStart().startsWith('{')
    ? [JSON.parse(body)]
    : body
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
        .map((l) => JSON.parse(l.slice(6)));
  // Gemini names the model in the path (`models/{model}:method`), not in the body.
  const pathModel = /models\/([^/:]+):/.exec(new URL(recording.request.url).pathname)?.[1];
  const facts: Record<string, unknown> = { 'gen_ai.request.model': recording.request.body?.model ?? pathModel };
  const finish: string[] = [];
  for (const e of events) {
    const response = e.type === 'response.completed' ? e.response : e.type === 'message_start' ? e.message : e;
    if (response.model) facts['gen_ai.response.model'] = response.model;
    const usage = response.usage ?? e.usage;
    if (usage?.prompt_tokens !== undefined) facts['gen_ai.usage.input_tokens'] = usage.prompt_tokens;
    if (usage?.completion_tokens !== undefined) facts['gen_ai.usage.output_tokens'] = usage.completion_tokens;
    if (usage?.input_tokens !== undefined) facts['gen_ai.usage.input_tokens'] = usage.input_tokens;
    if (usage?.output_tokens !== undefined) facts['gen_ai.usage.output_tokens'] = usage.output_tokens;
    for (const choice of e.choices ?? []) if (choice.finish_reason) finish.push(choice.finish_reason);
    // Gemini: the usage so far in each chunk, thinking counted as output; a finish reason per candidate.
    if (e.modelVersion) facts['gen_ai.response.model'] = e.modelVersion;
    if (e.usageMetadata?.promptTokenCount !== undefined) facts['gen_ai.usage.input_tokens'] = e.usageMetadata.promptTokenCount;
    if (e.usageMetadata?.candidatesTokenCount !== undefined) facts['gen_ai.usage.output_tokens'] = e.usageMetadata.candidatesTokenCount + (e.usageMetadata.thoughtsTokenCount ?? 0);
    for (const candidate of e.candidates ?? []) if (candidate.finishReason) finish.push(candidate.finishReason);
    if (response.stop_reason) finish.push(response.stop_reason);
    if (e.delta?.stop_reason) finish.push(e.delta.stop_reason);
    // A response.completed event means a completed response, whether or not it repeats status.
    if (e.type === 'response.completed') finish.push((e.response.status ?? 'completed') === 'completed' ? 'stop' : e.response.status);
  }
  if (finish.length) facts['gen_ai.response.finish_reasons'] = finish;
  return facts;
}

type Json = Record<string, any>; // recordings are read loosely: a wrong guess fails the comparison

/** A Cohere recording's facts: tokens (else v1's token_count, else billed units), finish reasons as Cohere spells them. */
function expectedCohereFacts(recording: { request: { body: Json }; response: { content_type: string; body: string } }): Record<string, unknown> {
  const { body, content_type: contentType } = recording.response;
  const usageOf = (holder: Json | undefined, tokenCount?: Json) => ({
    input: holder?.tokens?.input_tokens ?? tokenCount?.prompt_tokens ?? holder?.billed_units?.input_tokens,
    output: holder?.tokens?.output_tokens ?? tokenCount?.response_tokens ?? holder?.billed_units?.output_tokens,
  });
  let finish: string[] = [];
  let usage: { input?: number; output?: number };
  if (contentType.startsWith('text/event-stream')) {
    const end = body.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6))).find((e: Json) => e.type === 'message-end');
    finish = [end.delta.finish_reason];
    usage = usageOf(end.delta.usage);
  } else if (/stream\+json|ndjson/.test(contentType)) {
    const end = body.trimEnd().split('\n').map((l) => JSON.parse(l)).find((e: Json) => e.event_type === 'stream-end');
    finish = end.response.generations?.map((g: Json) => g.finish_reason) ?? [end.finish_reason];
    usage = usageOf(end.response.meta, end.response.token_count);
  } else {
    const whole = JSON.parse(body);
    finish = whole.finish_reason ? [whole.finish_reason] : (whole.generations?.map((g: Json) => g.finish_reason) ?? []);
    usage = usageOf(whole.usage ?? whole.meta, whole.token_count);
  }
  const facts: Record<string, unknown> = { 'gen_ai.provider.name': 'cohere' };
  if (recording.request.body.model !== undefined) facts['gen_ai.request.model'] = recording.request.body.model;
  if (usage.input !== undefined) facts['gen_ai.usage.input_tokens'] = usage.input;
  if (usage.output !== undefined) facts['gen_ai.usage.output_tokens'] = usage.output;
  if (finish.length) facts['gen_ai.response.finish_reasons'] = finish;
  return facts;
}
