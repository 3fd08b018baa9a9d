// The public API for in-process models, used as an application would: imported by package name in
// a child process started with `node --import llm-otel-agent`.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startApp, stopAll } from '../helpers/child-app.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

const APP = `
import { traceModelCall, traceTokenStream } from 'llm-otel-agent/api';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function* tokens(n, firstMs, everyMs) {
  await sleep(firstMs);
  for (let i = 0; i < n; i++) { if (i) await sleep(everyMs); yield { text: 't' + i }; }
}
let text = '';
const usage = { inputTokens: 7, outputTokens: 8, finishReasons: ['stop'] };
for await (const t of traceTokenStream({ model: 'local-llama', provider: 'llama.cpp', attributes: { 'gen_ai.request.temperature': 0.3 } }, tokens(8, 120, 15), { usage: () => usage })) text += t.text;
let seen = 0;
for await (const t of traceTokenStream({ model: 'local-break', provider: 'llama.cpp' }, tokens(50, 10, 5))) if (++seen === 3) break;
const out = await traceModelCall({ model: 'local-embed', provider: 'transformers.js', operation: 'embeddings' }, async (call) => {
  await sleep(20);
  call.setUsage({ inputTokens: 4 });
  return [0.1, 0.2];
});
await traceModelCall({ model: 'local-fail', provider: 'llama.cpp' }, async () => { throw Object.assign(new Error('out of memory'), { code: 'ENOMEM' }); }).catch(() => {});
console.log(JSON.stringify({ text, seen, out }));
`;

let receiver: OtlpReceiver;
let spans: ReceivedSpan[];
let stdout: string;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const app = await startApp({ script: APP, ext: 'mjs', env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_METRICS_EXPORTER: 'none' } });
  expect((await app.exited).code, app.stderr).toBe(0);
  stdout = app.stdout;
  spans = await receiver.waitForSpans((all) => all.length >= 4);
});
afterAll(async () => {
  await stopAll();
  await receiver.close();
});
const byModel = (model: string) => spans.find((s) => s.attributes['gen_ai.request.model'] === model)!;

it('the application gets its tokens and results untouched', () => {
  expect(JSON.parse(stdout)).toEqual({ text: 't0t1t2t3t4t5t6t7', seen: 3, out: [0.1, 0.2] });
});

it('traceTokenStream: one CLIENT span with time to first chunk, chunk timing and the usage given', () => {
  const span = byModel('local-llama');
  expect(span.name).toBe('chat local-llama');
  expect(span.kind).toBe(2);
  expect(span.scope.name).toBe('llm-otel-agent');
  expect(span.attributes).toMatchObject({
    'gen_ai.provider.name': 'llama.cpp',
    'gen_ai.request.stream': true,
    'gen_ai.request.temperature': 0.3,
    'gen_ai.usage.input_tokens': 7,
    'gen_ai.usage.output_tokens': 8,
    'gen_ai.response.finish_reasons': ['stop'],
    'llm.response.chunk_count': 8,
  });
  const ttft = span.attributes['gen_ai.response.time_to_first_chunk'] as number;
  expect(ttft).toBeGreaterThanOrEqual(0.118);
  expect(ttft).toBeLessThan(0.2);
  expect(span.attributes['llm.response.time_per_output_chunk.mean'] as number).toBeGreaterThanOrEqual(0.014);
});

it('a consumer that breaks early ends the span as cancelled', () => {
  const span = byModel('local-break');
  expect(span.attributes).toMatchObject({ 'llm.response.end': 'cancelled', 'error.type': 'cancelled', 'llm.response.chunk_count': 3 });
  expect(span.status.code).toBe(2);
});

it('traceModelCall: the span is active inside, usage recorded, failures typed by code and rethrown', () => {
  expect(byModel('local-embed').attributes).toMatchObject({ 'gen_ai.operation.name': 'embeddings', 'gen_ai.usage.input_tokens': 4 });
  expect(byModel('local-embed').name).toBe('embeddings local-embed');
  const failed = byModel('local-fail');
  expect(failed.attributes['error.type']).toBe('ENOMEM');
  expect(failed.status).toMatchObject({ code: 2, message: 'out of memory' });
});
