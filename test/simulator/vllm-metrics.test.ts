// GET /metrics: the simulator reports what a vLLM server reports about itself, by vLLM's names, and
// every number is what the simulator did: the call records' times, the tokens it wrote, the queue and
// the KV cache of the model's engine.
import { afterAll, describe, expect, it } from 'vitest';
import { type MetricSample, parseExposition } from '../../demo/openmetrics-parse.js';
import {
  CALLS_PATH,
  METRICS_PATH,
  VLLM_METRICS,
  type ModelSimulator,
  type SimCallRecord,
  startModelSimulator,
} from '../../demo/simulator/index.js';
import { formatValue } from '../../demo/simulator/vllm-metrics.js';
import { eventually, openAIClient, post, recordOf, useSimulator } from './helpers.js';

const sim = useSimulator();
const started: ModelSimulator[] = [];
afterAll(() => Promise.all(started.map((s) => s.close())));

async function simulator(options: Parameters<typeof startModelSimulator>[0]): Promise<ModelSimulator> {
  const s = await startModelSimulator(options);
  started.push(s);
  return s;
}

async function scrape(s: ModelSimulator): Promise<{ contentType: string; text: string; samples: MetricSample[] }> {
  const response = await fetch(`${s.url}${METRICS_PATH}`);
  expect(response.status).toBe(200);
  const text = await response.text();
  return { contentType: response.headers.get('content-type') ?? '', text, samples: parseExposition(text) };
}

/** The value of the one sample named `name` whose labels include `labels`. */
function value(samples: MetricSample[], name: string, labels: Record<string, string>): number {
  const found = samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([key, v]) => s.labels[key] === v),
  );
  expect(found, `${name} ${JSON.stringify(labels)}`).toHaveLength(1);
  return found[0]!.value;
}

const seconds = (from: number, to: number): number => (to - from) / 1000;
const sum = (values: number[]): number => values.reduce((total, v) => total + v, 0);
const ended = (s: ModelSimulator, model: string): SimCallRecord[] => s.calls.filter((c) => c.model === model);
const words = (n: number): string => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');

describe('GET /metrics', () => {
  it("serves vLLM's families in the Prometheus 0.0.4 text format, before any call too", async () => {
    const { contentType, text, samples } = await scrape(await simulator({}));
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(samples).toEqual([]);
    for (const { name, type, help } of Object.values(VLLM_METRICS)) {
      expect(text).toContain(`# HELP ${name} ${help}\n# TYPE ${name} ${type}\n`);
    }
    expect(Object.values(VLLM_METRICS).map((m) => m.name)).toEqual(
      expect.arrayContaining([
        'vllm:num_requests_running',
        'vllm:num_requests_waiting',
        'vllm:kv_cache_usage_perc',
        'vllm:time_to_first_token_seconds',
        'vllm:request_queue_time_seconds',
        'vllm:e2e_request_latency_seconds',
        'vllm:prompt_tokens_total',
        'vllm:generation_tokens_total',
        'vllm:request_success_total',
      ]),
    );
  });

  it('writes values as prometheus_client does', () => {
    expect([3, 0.25, Infinity, 1_723_456_789.5, 0.1 + 0.2].map(formatValue)).toEqual([
      '3.0',
      '0.25',
      '+Inf',
      '1.7234567895e+09',
      '0.30000000000000004',
    ]);
  });

  it('three streamed calls: the first-token histogram holds their arrival-to-first-content times, tokens as sent', async () => {
    const model = 'metrics-three';
    const plan = [
      { firstChunkMs: 40, chunks: 3, prompt: words(4) },
      { firstChunkMs: 90, chunks: 4, prompt: words(7) },
      { firstChunkMs: 170, chunks: 5, prompt: words(2) },
    ];
    const usages = await Promise.all(
      plan.map(async ({ firstChunkMs, chunks, prompt }) => {
        const client = openAIClient(sim.current, { 'x-sim-first-chunk-ms': String(firstChunkMs), 'x-sim-chunks': String(chunks) });
        const stream = await client.chat.completions.create({
          model,
          messages: [{ role: 'user', content: prompt }],
          stream: true,
          stream_options: { include_usage: true },
        });
        let usage = { prompt_tokens: 0, completion_tokens: 0 };
        for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
        return usage;
      }),
    );
    const records = ended(sim.current, model);
    await eventually(() => records.every((r) => r.endedAt !== null));
    const { samples } = await scrape(sim.current);
    const labels = { model_name: model, engine: '0' };
    const ttft = records.map((r) => seconds(r.receivedAt, r.firstContentWrittenAt!));

    expect(value(samples, 'vllm:time_to_first_token_seconds_count', labels)).toBe(3);
    expect(value(samples, 'vllm:time_to_first_token_seconds_sum', labels)).toBeCloseTo(sum(ttft), 9);
    // Each first content went out no sooner than its schedule asked.
    for (const [i, record] of records.entries()) {
      const planned = plan.find((p) => p.chunks === record.chunks)!;
      expect(ttft[i]).toBeGreaterThanOrEqual(planned.firstChunkMs / 1000 - 0.002);
    }
    for (const le of ['0.04', '0.06', '0.1', '0.25', '+Inf']) {
      const bound = le === '+Inf' ? Infinity : Number(le);
      expect(value(samples, 'vllm:time_to_first_token_seconds_bucket', { ...labels, le }), `le=${le}`).toBe(
        ttft.filter((t) => t <= bound).length,
      );
    }
    const e2e = records.map((r) => seconds(r.receivedAt, r.endedAt!));
    expect(value(samples, 'vllm:e2e_request_latency_seconds_count', labels)).toBe(3);
    expect(value(samples, 'vllm:e2e_request_latency_seconds_sum', labels)).toBeCloseTo(sum(e2e), 9);
    // No running limit: every call was scheduled as it arrived.
    const queued = records.map((r) => seconds(r.receivedAt, r.scheduledAt!));
    expect(value(samples, 'vllm:request_queue_time_seconds_count', labels)).toBe(3);
    expect(value(samples, 'vllm:request_queue_time_seconds_sum', labels)).toBeCloseTo(sum(queued), 9);
    expect(Math.max(...queued)).toBeLessThan(0.05);

    expect(value(samples, 'vllm:prompt_tokens_total', labels)).toBe(sum(usages.map((u) => u.prompt_tokens)));
    expect(value(samples, 'vllm:prompt_tokens_total', labels)).toBe(4 + 7 + 2);
    expect(value(samples, 'vllm:generation_tokens_total', labels)).toBe(sum(usages.map((u) => u.completion_tokens)));
    expect(value(samples, 'vllm:generation_tokens_total', labels)).toBe(3 + 4 + 5);
    const finished = (reason: string) => value(samples, 'vllm:request_success_total', { ...labels, finished_reason: reason });
    expect(['stop', 'length', 'abort', 'error', 'repetition'].map(finished)).toEqual([3, 0, 0, 0, 0]);
    expect(value(samples, 'vllm:num_requests_running', labels)).toBe(0);
    expect(value(samples, 'vllm:num_requests_waiting', labels)).toBe(0);
    expect(value(samples, 'vllm:kv_cache_usage_perc', labels)).toBe(0);
  });

  it('finish reasons: length when max_tokens cuts, error when the simulator breaks the response; simulated HTTP errors never reach the engine', async () => {
    const model = 'metrics-reasons';
    const messages = [{ role: 'user', content: 'hello there' }];
    await post(sim.current, '/v1/chat/completions', { model, messages, max_tokens: 2 }, { 'x-sim-chunks': '5' }).then((r) => r.json());
    await post(sim.current, '/v1/chat/completions', { model, messages, stream: true }, { 'x-sim-error': 'truncate', 'x-sim-chunks': '4' })
      .then((r) => r.text())
      .catch(() => undefined);
    await post(sim.current, '/v1/chat/completions', { model, messages }, { 'x-sim-error': '500' }).then((r) => r.text());
    const records = ended(sim.current, model);
    await eventually(() => records.length === 3 && records.every((r) => r.endedAt !== null));
    expect(records.map((r) => r.scheduledAt === null)).toEqual([false, false, true]);

    const { samples } = await scrape(sim.current);
    const labels = { model_name: model, engine: '0' };
    const finished = (reason: string) => value(samples, 'vllm:request_success_total', { ...labels, finished_reason: reason });
    expect(['stop', 'length', 'abort', 'error'].map(finished)).toEqual([0, 1, 0, 1]);
    expect(value(samples, 'vllm:e2e_request_latency_seconds_count', labels)).toBe(2);
    // The whole body carries its 2 tokens; the cut stream wrote 2 of its 4 before the connection closed.
    expect(value(samples, 'vllm:generation_tokens_total', labels)).toBe(2 + 2);
    expect(value(samples, 'vllm:prompt_tokens_total', labels)).toBe(2 + 2);
  });

  it('keeps counting when the call records are emptied', async () => {
    const model = 'metrics-kept';
    await post(sim.current, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }).then((r) => r.json());
    await eventually(() => ended(sim.current, model).every((r) => r.endedAt !== null));
    await fetch(`${sim.current.url}${CALLS_PATH}`, { method: 'DELETE' });
    const { samples } = await scrape(sim.current);
    expect(value(samples, 'vllm:request_success_total', { model_name: model, finished_reason: 'stop' })).toBe(1);
  });
});

describe('the engine queue (maxRunning)', () => {
  it('runs that many calls at once; the others wait, and the wait is their queue time', async () => {
    const s = await simulator({ maxRunning: 1, defaults: { firstChunkMs: 300, chunks: 2 } });
    const model = 'queued';
    const calls = [0, 1, 2].map(() =>
      post(s, '/v1/chat/completions', { model, messages: [{ role: 'user', content: 'q' }], stream: true }).then((r) => r.text()),
    );
    await eventually(() => ended(s, model).length === 3 && ended(s, model).some((r) => r.scheduledAt !== null));
    const during = (await scrape(s)).samples;
    const labels = { model_name: model, engine: '0' };
    expect(value(during, 'vllm:num_requests_running', labels)).toBe(1);
    expect(value(during, 'vllm:num_requests_waiting', labels)).toBe(2);
    await Promise.all(calls);
    const records = ended(s, model);
    await eventually(() => records.every((r) => r.endedAt !== null));

    // One at a time: each call was scheduled once the one before it had ended.
    const byStart = [...records].sort((a, b) => a.scheduledAt! - b.scheduledAt!);
    for (let i = 1; i < byStart.length; i++) {
      expect(byStart[i]!.scheduledAt!).toBeGreaterThanOrEqual(byStart[i - 1]!.endedAt! - 1);
    }
    const queued = records.map((r) => seconds(r.receivedAt, r.scheduledAt!));
    expect(queued.filter((q) => q >= 0.29)).toHaveLength(2);
    const { samples } = await scrape(s);
    expect(value(samples, 'vllm:request_queue_time_seconds_count', labels)).toBe(3);
    expect(value(samples, 'vllm:request_queue_time_seconds_sum', labels)).toBeCloseTo(sum(queued), 9);
    // Server-side time to first token includes the wait in the queue.
    const ttft = records.map((r) => seconds(r.receivedAt, r.firstContentWrittenAt!));
    expect(value(samples, 'vllm:time_to_first_token_seconds_sum', labels)).toBeCloseTo(sum(ttft), 9);
    for (const [i, q] of queued.entries()) expect(ttft[i]).toBeGreaterThanOrEqual(q + 0.298);
    expect(value(samples, 'vllm:num_requests_waiting', labels)).toBe(0);
  });
});

describe('the KV cache (kvCacheTokens)', () => {
  it('reports the tokens running calls hold over the capacity, and holds back a call that does not fit', async () => {
    const s = await simulator({ kvCacheTokens: 100 });
    const model = 'kv';
    const labels = { model_name: model, engine: '0' };
    const messages = [{ role: 'user', content: words(10) }];
    // A: 10 prompt tokens, 3 planned, one written and then a long pause: it holds 11 tokens, reserves 13.
    const a = await post(s, '/v1/chat/completions', { model, messages, stream: true }, { 'x-sim-chunks': '3', 'x-sim-interval-ms': '30000' });
    const reader = a.body!.getReader();
    const recordA = recordOf(s, a.headers.get('x-request-id'));
    await eventually(() => recordA.outputTokens === 1);
    expect(value((await scrape(s)).samples, 'vllm:kv_cache_usage_perc', labels)).toBe(11 / 100);

    // B needs 10 + 85 = 95 tokens: with A's 13 reserved it does not fit, so it waits for A.
    const b = post(s, '/v1/chat/completions', { model, messages, stream: true }, { 'x-sim-chunks': '85' }).then((r) => r.text());
    await eventually(() => ended(s, model).length === 2);
    const recordB = ended(s, model)[1]!;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const waiting = (await scrape(s)).samples;
    expect(value(waiting, 'vllm:num_requests_running', labels)).toBe(1);
    expect(value(waiting, 'vllm:num_requests_waiting', labels)).toBe(1);
    expect(recordB.scheduledAt).toBeNull();

    // A's client leaves: A ends as an abort, and B runs.
    await reader.cancel();
    await b;
    await eventually(() => recordB.endedAt !== null);
    expect(recordB.scheduledAt!).toBeGreaterThanOrEqual(recordA.endedAt! - 1);
    const after = (await scrape(s)).samples;
    const finished = (reason: string) => value(after, 'vllm:request_success_total', { ...labels, finished_reason: reason });
    expect([finished('stop'), finished('abort')]).toEqual([1, 1]);
    expect(value(after, 'vllm:generation_tokens_total', labels)).toBe(1 + 85);
    expect(value(after, 'vllm:prompt_tokens_total', labels)).toBe(10 + 10);
    expect(value(after, 'vllm:kv_cache_usage_perc', labels)).toBe(0);
    expect(value(after, 'vllm:request_queue_time_seconds_sum', labels)).toBeCloseTo(
      seconds(recordA.receivedAt, recordA.scheduledAt!) + seconds(recordB.receivedAt, recordB.scheduledAt!),
      9,
    );
  });
});
