// Gemini model calls through the real @google/genai client (Gemini API, Vertex AI with a project
// and location, Vertex AI express mode) and plain fetch, in a child process under `node --import
// llm-otel-agent`, against the model simulator.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatedTokens, startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { startApp, stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { expectTtftBracketed as expectTtft, modelSpansIn, spanOfModel } from './model-spans.js';

const APP = readFileSync(new URL('./gemini-clients-app.mjs', import.meta.url), 'utf8');
const RECORDING = JSON.parse(readFileSync(new URL('../fixtures/provider-recordings/gemini-reasoning-stream.json', import.meta.url), 'utf8'));
const CLIENT = 2;
const ERROR = 2;
const TEN_TOKENS = generatedTokens(10).join('');
/** The real recording's chunks in the JSON array framing Gemini uses without alt=sse. */
const ARRAY_RECORDING = 'gemini-reasoning-array.json';
const ARRAY_PATH = '/v1beta/models/gemini-2.5-flash:streamGenerateContent';

const SCENARIOS = [
  'gemini-generate',
  'gemini-stream',
  'gemini-embed',
  'gemini-429',
  'gemini-abort',
  'vertex-generate',
  'vertex-stream',
  'vertex-express',
  'fetch-gemini-array',
  'fetch-gemini-truncate',
  'fetch-vertex-claude',
  `${ARRAY_RECORDING}|${ARRAY_PATH}`,
];

let replayDir: string;
let arrayBody: string;
let sim: ModelSimulator;
let receiver: OtlpReceiver;
let results: Map<string, Record<string, unknown>>;
let spans: ReceivedSpan[];
let appStderr: string;

beforeAll(async () => {
  replayDir = mkdtempSync(join(tmpdir(), 'gemini-replay-'));
  const chunks = RECORDING.response.body.split('\r\n\r\n').filter((e: string) => e !== '').map((e: string) => JSON.parse(e.slice('data: '.length)));
  arrayBody = `[${chunks.map((c: unknown) => JSON.stringify(c, null, 2)).join('\n,\r\n')}\n]`;
  writeFileSync(
    join(replayDir, ARRAY_RECORDING),
    JSON.stringify({ ...RECORDING, source: `${RECORDING.source} (chunks reframed as a JSON array)`, response: { status: 200, content_type: 'application/json; charset=UTF-8', body: arrayBody } }),
  );
  sim = await startModelSimulator({ replayDir });
  receiver = await startOtlpReceiver();
  const app = await startApp({
    script: APP,
    ext: 'mjs',
    env: { SIM_URL: sim.url, SCENARIOS: SCENARIOS.join(','), OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRICS_EXPORTER: 'none', OTEL_BSP_SCHEDULE_DELAY: '100' },
  });
  const exit = await app.exited;
  expect(exit.code, app.stderr).toBe(0);
  const lines = app.stdout.split('\n').filter((line) => line.startsWith('RESULT '));
  results = new Map(lines.map((line) => JSON.parse(line.slice(7))).map((r) => [r.name as string, r]));
  appStderr = app.stderr;
  spans = await receiver.waitForSpans((all) => all.filter((s) => s.scope.name === 'llm-otel-agent').length >= SCENARIOS.length);
}, 120_000);
afterAll(async () => {
  await stopAll();
  await receiver?.close();
  await sim?.close();
  rmSync(replayDir, { recursive: true, force: true });
});

const modelSpans = () => modelSpansIn(spans);
const spanOf = (model: string) => spanOfModel(spans, model);
const recordOf = (model: string) => sim.calls.find((call) => call.model === model)!;
const expectTtftBracketed = (model: string, span: ReceivedSpan) => expectTtft(span, recordOf(model), results.get(model)!.firstContentReadAt as number);
const path = (span: ReceivedSpan) => new URL(span.attributes['url.full'] as string).pathname;

describe('Gemini through @google/genai and fetch', () => {
  it('every scenario ran, the agent said nothing, one span per call and no plain HTTP span beside it', () => {
    expect([...results.keys()]).toEqual(SCENARIOS);
    expect(appStderr).toBe('');
    expect(modelSpans()).toHaveLength(SCENARIOS.length);
    const toSimulator = spans.filter((s) => s.kind === CLIENT && String(s.attributes['url.full']).includes(`127.0.0.1:${sim.port}`));
    expect(new Set(toSimulator.map((s) => s.scope.name))).toEqual(new Set(['llm-otel-agent']));
  });

  it('Gemini API generateContent: generationConfig, thinking as reasoning and output, the cache read, the response id', () => {
    const span = spanOf('gemini-generate');
    const result = results.get('gemini-generate')!;
    const usage = result.usage as { promptTokenCount: number; candidatesTokenCount: number; thoughtsTokenCount: number; cachedContentTokenCount: number };
    expect(span.name).toBe('generate_content gemini-generate');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 20,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.seed': 5,
      'gen_ai.request.stream': false,
      'gen_ai.response.model': 'gemini-generate',
      'gen_ai.response.id': result.responseId,
      'gen_ai.response.finish_reasons': ['STOP'],
      'gen_ai.usage.input_tokens': usage.promptTokenCount,
      'gen_ai.usage.output_tokens': usage.candidatesTokenCount + usage.thoughtsTokenCount,
      'gen_ai.usage.reasoning.output_tokens': 12,
      'gen_ai.usage.cache_read.input_tokens': usage.cachedContentTokenCount,
      'http.response.status_code': 200,
    });
    expect(usage).toMatchObject({ candidatesTokenCount: 7, thoughtsTokenCount: 12, cachedContentTokenCount: 16 });
    expect(path(span)).toMatch(/^\/v1(beta)?\/models\/gemini-generate:generateContent$/);
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeUndefined();
  });

  it('Gemini API generateContentStream (alt=sse): time to first chunk on the simulator schedule, chunks, usage', () => {
    const span = spanOf('gemini-stream');
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.stream': true,
      'gen_ai.request.max_tokens': 100,
      'gen_ai.usage.output_tokens': 10,
      'gen_ai.response.finish_reasons': ['STOP'],
      'llm.response.chunk_count': 10,
    });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(new URL(span.attributes['url.full'] as string).searchParams.get('alt')).toBe('sse');
    expectTtftBracketed('gemini-stream', span);
    expect(span.attributes['llm.response.time_per_output_chunk.mean'] as number).toBeGreaterThanOrEqual(0.018);
    expect(results.get('gemini-stream')!.text).toBe(TEN_TOKENS);
  });

  it('embedContent (batchEmbedContents on the wire): embeddings, the vector length', () => {
    const span = spanOf('gemini-embed');
    expect(results.get('gemini-embed')).toMatchObject({ ok: true, vectors: 2, dims: 16 });
    expect(span.name).toBe('embeddings gemini-embed');
    expect(span.attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'gcp.gemini', 'gen_ai.embeddings.dimension.count': 16 });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    expect(path(span)).toMatch(/:batchEmbedContents$/);
  });

  it('an HTTP 429: error.type and status; the SDK still sees its own ApiError', () => {
    expect(results.get('gemini-429')).toMatchObject({ ok: false, error: 'ApiError', status: 429 });
    const span = spanOf('gemini-429');
    expect(span.attributes).toMatchObject({ 'error.type': '429', 'http.response.status_code': 429 });
    expect(span.status.code).toBe(ERROR);
  });

  it('an abort mid-stream ends the span as cancelled', () => {
    expect(results.get('gemini-abort')).toMatchObject({ ok: true, seen: 3, aborted: 'AbortError' });
    const span = spanOf('gemini-abort');
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes).toMatchObject({ 'error.type': 'cancelled', 'llm.response.end': 'cancelled' });
    expect(span.attributes['llm.response.chunk_count'] as number).toBeGreaterThanOrEqual(3);
    expect(span.attributes['llm.response.chunk_count'] as number).toBeLessThan(50);
  });

  it('Vertex AI with a project and location (a fixed token through googleAuthOptions.authClient)', () => {
    const span = spanOf('vertex-generate');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'generate_content',
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.request.temperature': 0.5,
      'gen_ai.usage.output_tokens': 6,
      'gen_ai.response.finish_reasons': ['STOP'],
    });
    expect(path(span)).toBe('/v1beta1/projects/p1/locations/us-central1/publishers/google/models/vertex-generate:generateContent');
    expect(results.get('vertex-generate')!.text).toBe(generatedTokens(6).join(''));
  });

  it('Vertex AI stream: usage only in the last chunk, time to first chunk from the first', () => {
    const span = spanOf('vertex-stream');
    expect(span.attributes).toMatchObject({ 'gen_ai.provider.name': 'gcp.vertex_ai', 'gen_ai.usage.output_tokens': 10, 'llm.response.chunk_count': 10, 'gen_ai.response.finish_reasons': ['STOP'] });
    expectTtftBracketed('vertex-stream', span);
    expect(results.get('vertex-stream')!.text).toBe(TEN_TOKENS);
  });

  it('Vertex AI express mode: publishers/google/models/… without a project', () => {
    const span = spanOf('vertex-express');
    expect(span.attributes).toMatchObject({ 'gen_ai.provider.name': 'gcp.vertex_ai', 'gen_ai.usage.output_tokens': 4 });
    expect(path(span)).toBe('/v1beta1/publishers/google/models/vertex-express:generateContent');
  });

  it('plain fetch, the JSON array stream without alt=sse: decoded element by element as it arrives', () => {
    const span = spanOf('fetch-gemini-array');
    const result = results.get('fetch-gemini-array')!;
    expect(result).toMatchObject({ ok: true, error: null, elements: 11, text: TEN_TOKENS });
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.stream': true,
      'gen_ai.usage.output_tokens': 17,
      'gen_ai.usage.reasoning.output_tokens': 7,
      'llm.response.chunk_count': 10,
      'gen_ai.response.finish_reasons': ['STOP'],
    });
    expect(span.attributes['gen_ai.response.id']).toMatch(/^[0-9A-Za-z]{23}$/);
    expectTtftBracketed('fetch-gemini-array', span);
    expect(span.attributes['url.full']).toBe(`http://127.0.0.1:${sim.port}/v1beta/models/fetch-gemini-array:streamGenerateContent?key=REDACTED`);
  });

  it('a stream cut mid-array: an error, with the usage of the last whole element', () => {
    expect(results.get('fetch-gemini-truncate')!.error).toBeTruthy();
    const span = spanOf('fetch-gemini-truncate');
    expect(span.status.code).toBe(ERROR);
    expect(span.attributes['error.type']).toBeTruthy();
    expect(span.attributes).toMatchObject({ 'gen_ai.usage.output_tokens': 5, 'llm.response.chunk_count': 5 });
    expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
  });

  it('Claude on Vertex AI (streamRawPredict over fetch): Anthropic\'s events, the model from the path', () => {
    const span = spanOf('fetch-vertex-claude');
    expect(span.name).toBe('chat fetch-vertex-claude');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.request.max_tokens': 128,
      'gen_ai.request.stream': true,
      'gen_ai.response.model': 'fetch-vertex-claude',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.output_tokens': 10,
    });
    expectTtftBracketed('fetch-vertex-claude', span);
  });

  it('a real recording as the JSON array: the app reads the exact bytes; model, tokens and finish reasons are the recording\'s', () => {
    const result = results.get(`${ARRAY_RECORDING}|${ARRAY_PATH}`)!;
    expect(result).toMatchObject({ ok: true, error: null, sha: createHash('sha256').update(arrayBody).digest('hex') });
    const span = spanOf('gemini-2.5-flash');
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.response.model': 'gemini-3-pro-preview',
      'gen_ai.response.id': 'dX6LadKVC7SZ28oPr9yJoQs',
      'gen_ai.usage.input_tokens': 9,
      'gen_ai.usage.output_tokens': 29 + 256,
      'gen_ai.usage.reasoning.output_tokens': 256,
      'gen_ai.response.finish_reasons': ['STOP'],
      'llm.response.chunk_count': 2,
    });
  });

  it('no key or token reaches any span: x-goog-api-key, ?key=, bearer tokens', () => {
    const everything = JSON.stringify(spans, (_key, value) => (typeof value === 'bigint' ? String(value) : value));
    expect(everything).not.toMatch(/SECRET/);
  });
});
