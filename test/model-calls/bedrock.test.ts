// Bedrock through the real AWS SDK (@aws-sdk/client-bedrock-runtime, default NodeHttp2Handler:
// HTTP/2) in a child process under `node --import llm-otel-agent`, against the model simulator's
// cleartext HTTP/2: Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream, errors, a
// cut stream, an abort; the real recordings through the SDK and through fetch; no credential in any
// exported byte or log line.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countPromptTokens, generatedTokens, startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { startApp, stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { expectTtftBracketed as expectTtft, spanOfModel } from './model-spans.js';

const RECORDINGS_DIR = new URL('../fixtures/provider-recordings/', import.meta.url).pathname;
const APP = readFileSync(new URL('./bedrock-app.mjs', import.meta.url), 'utf8');
const CLIENT = 2;
const ERROR = 2;
const TEN_TOKENS = generatedTokens(10).join('');
const PROMPT_TOKENS = countPromptTokens({ messages: [{ role: 'user', content: [{ text: 'say hello to the world' }] }] });

const M = {
  converse: 'anthropic.sim-converse-v1:0',
  converseStream: 'us.anthropic.sim-converse-stream-v1:0',
  invoke: 'anthropic.sim-invoke-v1:0',
  invokeTitan: 'amazon.titan-text-sim-invoke-v1',
  invokeStream: 'arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.sim-invoke-stream-v1:0',
  invokeStreamTitan: 'amazon.titan-text-sim-stream-v1',
  throttled: 'anthropic.sim-throttled-v1:0',
  invalid: 'anthropic.sim-invalid-v1:0',
  truncated: 'anthropic.sim-truncated-v1:0',
  midstream: 'anthropic.sim-midstream-v1:0',
  aborted: 'anthropic.sim-aborted-v1:0',
} as const;

const SCENARIOS = [
  `converse|${M.converse}`,
  `converse-stream|${M.converseStream}`,
  `invoke|${M.invoke}`,
  `invoke-titan|${M.invokeTitan}`,
  `invoke-stream|${M.invokeStream}`,
  `invoke-stream-titan|${M.invokeStreamTitan}`,
  `converse-429|${M.throttled}`,
  `converse-stream-400|${M.invalid}`,
  `converse-stream-truncate|${M.truncated}`,
  `converse-stream-midstream|${M.midstream}`,
  `converse-stream-abort|${M.aborted}`,
];

const CREDENTIALS = {
  accessKeyId: `AKIA${randomBytes(8).toString('hex').toUpperCase()}`,
  secretAccessKey: `secret-${randomBytes(16).toString('hex')}`,
  sessionToken: `session-${randomBytes(16).toString('hex')}`,
};

let sim: ModelSimulator;
let receiver: OtlpReceiver;
let work: string;

interface Run {
  results: Map<string, Record<string, any>>;
  spans: ReceivedSpan[];
  stdout: string;
  stderr: string;
  signatures: string[];
}

async function runScenarios(scenarios: string[]): Promise<Run> {
  receiver.clear();
  const signaturesFile = join(work, `signatures-${randomBytes(4).toString('hex')}`);
  const app = await startApp({
    script: APP,
    ext: 'mjs',
    env: {
      SIM_URL: sim.url,
      RECORDINGS_DIR,
      SCENARIOS: scenarios.join(','),
      CREDENTIALS: JSON.stringify(CREDENTIALS),
      SIGNATURES_FILE: signaturesFile,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_METRICS_EXPORTER: 'none',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
  });
  const exit = await app.exited;
  expect(exit.code, app.stderr).toBe(0);
  const lines = app.stdout.split('\n').filter((line) => line.startsWith('RESULT '));
  const results = new Map(lines.map((line) => JSON.parse(line.slice(7))).map((r) => [r.name as string, r]));
  const spans = await receiver.waitForSpans((all) => all.filter((s) => s.scope.name === 'llm-otel-agent').length >= scenarios.length);
  const signatures = existsSync(signaturesFile) ? readFileSync(signaturesFile, 'utf8').split('\n').filter(Boolean) : [];
  return { results, spans: [...spans], stdout: app.stdout, stderr: app.stderr, signatures };
}

let run: Run;
const spanOf = (model: string) => spanOfModel(run.spans, model);
const resultOf = (kind: string, model: string) => run.results.get(`${kind}|${model}`)!;
const recordOf = (model: string) => sim.calls.find((call) => call.model === model)!;
/** Between the simulator writing the first content message and the app reading it from the SDK. */
const expectTtftBracketed = (model: string, readAt: number) => expectTtft(spanOf(model), recordOf(model), readAt);

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'llm-otel-bedrock-'));
  sim = await startModelSimulator({ replayDir: RECORDINGS_DIR });
  receiver = await startOtlpReceiver();
  run = await runScenarios(SCENARIOS);
}, 120_000);
afterAll(async () => {
  await stopAll();
  await receiver?.close();
  await sim?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('Bedrock through the AWS SDK over HTTP/2', () => {
  it('every scenario ran, every call went over HTTP/2, and the agent said nothing', () => {
    expect([...run.results.keys()]).toEqual(SCENARIOS);
    expect(run.stderr).toBe('');
    expect(new Set(sim.calls.map((call) => call.httpVersion))).toEqual(new Set(['2.0']));
  });

  it('one span per model call: nothing else traced the HTTP/2 requests', () => {
    const toSimulator = run.spans.filter((s) => s.kind === CLIENT && String(s.attributes['url.full']).includes(`:${sim.port}/`));
    expect(toSimulator.map((s) => s.scope.name)).toEqual(SCENARIOS.map(() => 'llm-otel-agent'));
  });

  it('Converse: every request and response attribute; the SDK read what the simulator sent', () => {
    const span = spanOf(M.converse);
    expect(span.name).toBe(`chat ${M.converse}`);
    expect(span.kind).toBe(CLIENT);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.request.model': M.converse,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 5,
      'gen_ai.request.stop_sequences': ['END'],
      'gen_ai.request.stream': false,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': PROMPT_TOKENS,
      'gen_ai.usage.output_tokens': 7,
      'server.address': '127.0.0.1',
      'server.port': sim.port,
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'url.full': `http://127.0.0.1:${sim.port}/model/${encodeURIComponent(M.converse)}/converse`,
    });
    expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeUndefined();
    expect(span.status.code).not.toBe(ERROR);
    expect(resultOf('converse', M.converse)).toMatchObject({
      ok: true,
      text: generatedTokens(7).join(''),
      stopReason: 'end_turn',
      usage: { inputTokens: PROMPT_TOKENS, outputTokens: 7, totalTokens: PROMPT_TOKENS + 7 },
    });
  });

  it('ConverseStream: usage from the metadata event, time to first chunk on the simulator\'s schedule, chunk timing', () => {
    const span = spanOf(M.converseStream);
    expect(span.attributes).toMatchObject({
      'gen_ai.request.model': M.converseStream,
      'gen_ai.request.max_tokens': 128,
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': PROMPT_TOKENS,
      'gen_ai.usage.output_tokens': 10,
      'llm.response.chunk_count': 10,
    });
    const result = resultOf('converse-stream', M.converseStream);
    expect(result).toMatchObject({ ok: true, text: TEN_TOKENS, stopReason: 'end_turn', usage: { outputTokens: 10 } });
    expectTtftBracketed(M.converseStream, result.firstContentReadAt);
    const record = recordOf(M.converseStream);
    const writtenMean = (record.endedAt! - record.firstContentWrittenAt!) / 1000 / (record.chunks - 1);
    expect(span.attributes['llm.response.time_per_output_chunk.mean'] as number).toBeGreaterThanOrEqual(0.018);
    expect(span.attributes['llm.response.time_per_output_chunk.mean'] as number).toBeLessThan(writtenMean + 0.005);
  });

  it('InvokeModel: Anthropic Messages read by the Anthropic parser, Titan by its own; the bytes as sent', () => {
    const anthropic = spanOf(M.invoke);
    const body = resultOf('invoke', M.invoke).body;
    expect(anthropic.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.max_tokens': 100,
      'gen_ai.request.temperature': 0.4,
      'gen_ai.request.top_k': 3,
      'gen_ai.request.stream': false,
      'gen_ai.response.id': body.id,
      'gen_ai.response.model': M.invoke,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': body.usage.input_tokens,
      'gen_ai.usage.output_tokens': 6,
    });
    expect(body.content[0].text).toBe(generatedTokens(6).join(''));
    expect(spanOf(M.invokeTitan).attributes).toMatchObject({
      'gen_ai.operation.name': 'text_completion',
      'gen_ai.request.max_tokens': 50,
      'gen_ai.request.top_p': 0.8,
      'gen_ai.response.finish_reasons': ['FINISH'],
      'gen_ai.usage.input_tokens': resultOf('invoke-titan', M.invokeTitan).body.inputTextTokenCount,
      'gen_ai.usage.output_tokens': 4,
    });
  });

  it('InvokeModelWithResponseStream (an inference profile ARN, and Titan): the family\'s events inside Bedrock\'s chunks', () => {
    const span = spanOf(M.invokeStream);
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.output_tokens': 10,
      'llm.response.chunk_count': 10,
    });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeGreaterThan(0);
    const result = resultOf('invoke-stream', M.invokeStream);
    expect(result.text).toBe(TEN_TOKENS);
    expect(result.events.slice(0, 2)).toEqual(['message_start', 'content_block_start']);
    expectTtftBracketed(M.invokeStream, result.firstContentReadAt);
    const titan = resultOf('invoke-stream-titan', M.invokeStreamTitan);
    expect(titan.text).toBe(TEN_TOKENS);
    expect(spanOf(M.invokeStreamTitan).attributes).toMatchObject({ 'gen_ai.response.finish_reasons': ['FINISH'], 'gen_ai.usage.output_tokens': 10, 'llm.response.chunk_count': 10 });
    expectTtftBracketed(M.invokeStreamTitan, titan.firstContentReadAt);
  });

  it('HTTP errors in Bedrock\'s shape: status and error.type; the SDK still names its own exception', () => {
    expect(resultOf('converse-429', M.throttled)).toMatchObject({ ok: false, error: 'ThrottlingException', status: 429 });
    expect(spanOf(M.throttled).attributes).toMatchObject({ 'error.type': '429', 'http.response.status_code': 429 });
    expect(resultOf('converse-stream-400', M.invalid)).toMatchObject({ ok: false, error: 'ValidationException', status: 400 });
    expect(spanOf(M.invalid).attributes).toMatchObject({ 'error.type': '400', 'http.response.status_code': 400 });
    for (const model of [M.throttled, M.invalid]) expect(spanOf(model).status.code).toBe(ERROR);
  });

  it('a stream cut inside a frame, and an exception message mid-stream: errors, with what arrived before', () => {
    expect(resultOf('converse-stream-truncate', M.truncated).ok).toBe(false);
    expect(spanOf(M.truncated).attributes).toMatchObject({ 'error.type': 'ERR_HTTP2_STREAM_ERROR', 'llm.response.end': 'error', 'llm.response.chunk_count': 5 });
    expect(resultOf('converse-stream-midstream', M.midstream)).toMatchObject({ ok: false, error: 'ModelStreamErrorException' });
    expect(spanOf(M.midstream).attributes).toMatchObject({ 'error.type': 'modelStreamErrorException', 'llm.response.chunk_count': 5 });
    for (const model of [M.truncated, M.midstream]) expect(spanOf(model).status.code).toBe(ERROR);
  });

  it('an AbortController mid-stream ends the span as cancelled', () => {
    expect(resultOf('converse-stream-abort', M.aborted)).toMatchObject({ ok: true, seen: 3 });
    const span = spanOf(M.aborted);
    expect(span.attributes).toMatchObject({ 'error.type': 'cancelled', 'llm.response.end': 'cancelled' });
    expect(span.attributes['llm.response.chunk_count'] as number).toBeGreaterThanOrEqual(3);
    expect(span.attributes['llm.response.chunk_count'] as number).toBeLessThan(50);
    expect(recordOf(M.aborted).aborted).toBe(true);
  });

  it('no access key, secret, session token or signature in any exported byte or log line', () => {
    expect(run.signatures.length).toBe(SCENARIOS.length);
    const secrets = { ...CREDENTIALS, ...Object.fromEntries(run.signatures.map((signature, i) => [`signature ${i}`, signature])) };
    const found = Object.entries(secrets).flatMap(([name, secret]) => [
      ...receiver.requests.filter((request) => request.body.includes(secret)).map((request) => `${name} in an export to ${request.path}`),
      ...(run.stdout.includes(secret) ? [`${name} in stdout`] : []),
      ...(run.stderr.includes(secret) ? [`${name} in stderr`] : []),
    ]);
    expect(found).toEqual([]);
    const everything = Buffer.concat(receiver.requests.map((request) => request.body)).toString('latin1');
    expect(everything).not.toMatch(/AWS4-HMAC-SHA256|x-amz-security-token|x-amz-date/i);
  });
});

describe('Bedrock recordings, replayed through the AWS SDK over HTTP/2 and through fetch', () => {
  const codec = new EventStreamCodec((b) => Buffer.from(b).toString('utf8'), (text) => Buffer.from(text, 'utf8'));
  const load = (file: string) => JSON.parse(readFileSync(join(RECORDINGS_DIR, file), 'utf8'));
  const bytesOf = (recording: any): Buffer => (recording.response.body_base64 === undefined ? Buffer.from(recording.response.body) : Buffer.from(recording.response.body_base64, 'base64'));
  const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
  /** The model the recording's path names, and what the recording itself says (read without the agent's parsers). */
  const FACTS: Record<string, Record<string, unknown>> = {
    'bedrock-converse-stream.json': { 'gen_ai.response.finish_reasons': ['end_turn'], 'gen_ai.usage.input_tokens': 12, 'gen_ai.usage.output_tokens': 5, 'llm.response.chunk_count': 2 },
    'bedrock-converse.json': { 'gen_ai.response.finish_reasons': ['max_tokens'], 'gen_ai.usage.input_tokens': 2, 'gen_ai.usage.output_tokens': 10 },
    'bedrock-anthropic-invoke.json': { 'gen_ai.response.finish_reasons': ['stop_sequence'] },
    'bedrock-titan-invoke-stream.json': { 'gen_ai.response.finish_reasons': ['FINISH'], 'gen_ai.usage.input_tokens': 8, 'gen_ai.usage.output_tokens': 17, 'llm.response.chunk_count': 1 },
  };
  const SDK_SCENARIO: Record<string, string> = {
    'bedrock-converse-stream.json': 'replay-converse-stream',
    'bedrock-converse.json': 'replay-converse',
    'bedrock-anthropic-invoke.json': 'replay-invoke',
    'bedrock-titan-invoke-stream.json': 'replay-invoke-stream',
  };
  const modelOf = (recording: any) => decodeURIComponent(new URL(recording.request.url).pathname.split('/')[2]!);

  for (const transport of ['sdk', 'fetch'] as const) {
    it(`${transport === 'sdk' ? 'the AWS SDK (HTTP/2)' : 'fetch (HTTP/1.1)'}: facts equal the recordings, the application reads what was recorded`, async () => {
      const files = Object.keys(FACTS);
      const replayed = await runScenarios(files.map((file) => `${transport === 'sdk' ? SDK_SCENARIO[file] : 'fetch-replay'}|${file}`));
      expect(replayed.stderr).toBe('');
      for (const file of files) {
        const recording = load(file);
        const result = replayed.results.get(`${transport === 'sdk' ? SDK_SCENARIO[file] : 'fetch-replay'}|${file}`)!;
        expect(result.ok, `${file}: ${result.message}`).toBe(true);
        const model = modelOf(recording);
        const span = replayed.spans.find((s) => s.attributes['gen_ai.request.model'] === model)!;
        expect(span, file).toBeDefined();
        expect(span.attributes, file).toMatchObject({ 'gen_ai.provider.name': 'aws.bedrock', 'http.response.status_code': 200, ...FACTS[file] });
        const bytes = bytesOf(recording);
        if (transport === 'fetch') {
          expect(result.sha, file).toBe(sha256(bytes));
          // The presigned-style query's credentials are redacted from url.full; nothing else is lost.
          expect(span.attributes['url.full']).toMatch(/X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED$/);
        } else if (file === 'bedrock-converse-stream.json') {
          // The SDK's events are the recorded payloads, as far as the SDK models them: it drops Bedrock's
          // `p` padding and members it does not know (serverToolUsage), and changes nothing else.
          const recorded = [];
          for (let at = 0; at < bytes.length; ) {
            const length = bytes.readUInt32BE(at);
            const { headers, body } = codec.decode(bytes.subarray(at, at + length));
            const { p: _padding, ...payload } = JSON.parse(Buffer.from(body).toString('utf8'));
            recorded.push({ [String(headers[':event-type']!.value)]: payload });
            at += length;
          }
          expect(result.events).toHaveLength(recorded.length);
          expect(recorded).toMatchObject(result.events);
        } else if (file === 'bedrock-titan-invoke-stream.json') {
          const inner = JSON.parse(Buffer.from(codec.decode(bytes).body).toString('utf8')).bytes;
          expect(result.chunks).toEqual([Buffer.from(inner, 'base64').toString('utf8')]);
        } else if (file === 'bedrock-anthropic-invoke.json') {
          expect(result.sha).toBe(sha256(bytes));
        } else {
          const body = JSON.parse(bytes.toString('utf8'));
          expect({ output: result.output, stopReason: result.stopReason, usage: result.usage, metrics: result.metrics }).toEqual(body);
        }
      }
    });
  }
});
