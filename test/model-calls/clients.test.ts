// Model calls through the real clients, each in a child process under `node --import
// llm-otel-agent`, against the model simulator (a real HTTP server streaming on a known schedule).
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedTokens, startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { startApp, stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

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
];

let sim: ModelSimulator;
let ollama: ModelSimulator;
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

const modelSpans = () => spans.filter((s) => s.scope.name === 'llm-otel-agent');
function spanOf(model: string): ReceivedSpan {
  const found = modelSpans().filter((s) => s.attributes['gen_ai.request.model'] === model);
  expect(found, `model-call spans for ${model}`).toHaveLength(1);
  return found[0]!;
}
const recordOf = (model: string) => [...sim.calls, ...ollama.calls].find((call) => call.model === model)!;
const startMs = (span: ReceivedSpan) => Number(span.startTimeUnixNano / 1000n) / 1000;
/** Slack for the two processes' clocks (each is performance.timeOrigin + now(), set at its own start). */
const CLOCK_SLACK_S = 0.0015;
/**
 * The true time to first chunk lies between the simulator writing the first content chunk and the
 * app reading it from the SDK; the agent, stamping the chunk's arrival at the transport, must land
 * in that bracket. A bracket, not a fixed tolerance: a loaded CI machine widens it, never breaks it.
 */
function expectTtftBracketed(model: string, span: ReceivedSpan) {
  const ttft = span.attributes['gen_ai.response.time_to_first_chunk'] as number;
  const written = (recordOf(model).firstContentWrittenAt! - startMs(span)) / 1000;
  const read = ((results.get(model)!.firstContentReadAt as number) - startMs(span)) / 1000;
  expect(ttft).toBeGreaterThanOrEqual(written - CLOCK_SLACK_S);
  expect(ttft).toBeLessThanOrEqual(read + CLOCK_SLACK_S);
  expect(ttft).toBeGreaterThanOrEqual(0.15);
}

beforeAll(async () => {
  sim = await startModelSimulator({ replayDir: RECORDINGS_DIR });
  ollama = await startModelSimulator({ port: OLLAMA_PORT });
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

  it('prompts and completions are not recorded by default', () => {
    for (const span of modelSpans()) {
      expect(span.attributes['gen_ai.input.messages']).toBeUndefined();
      expect(span.attributes['gen_ai.output.messages']).toBeUndefined();
    }
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
      const expected = expectedFacts(recording);
      expect(span!.attributes).toMatchObject(expected);
    });
  }
});

/** What the recording itself says, read independently of the agent's parsers. */
function expectedFacts(recording: { request: { body: { model: string } }; response: { body: string } }): Record<string, unknown> {
  const body = recording.response.body;
  const events = body.trimStart().startsWith('{')
    ? [JSON.parse(body)]
    : body
        .split('\n')
        .filter((l) => l.startsWith('data: ') && l !== 'data: [DONE]')
        .map((l) => JSON.parse(l.slice(6)));
  const facts: Record<string, unknown> = { 'gen_ai.request.model': recording.request.body.model };
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
    if (response.stop_reason) finish.push(response.stop_reason);
    if (e.delta?.stop_reason) finish.push(e.delta.stop_reason);
    // A response.completed event means a completed response, whether or not it repeats status.
    if (e.type === 'response.completed') finish.push((e.response.status ?? 'completed') === 'completed' ? 'stop' : e.response.status);
  }
  if (finish.length) facts['gen_ai.response.finish_reasons'] = finish;
  return facts;
}
