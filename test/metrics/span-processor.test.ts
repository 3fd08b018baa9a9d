import { afterEach, describe, expect, it } from 'vitest';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import { LLM_EXEMPLAR } from '../../agent/semconv.js';
import { createHarness, metricNamed, streamedCall, total, type Harness } from './harness.js';

let harness: Harness;
afterEach(() => harness?.shutdown());

describe('metrics derived from model-call spans', () => {
  it('counts every call, sampled or not, with the labels of the names table', async () => {
    harness = createHarness();
    for (let i = 0; i < 10; i++) harness.call(streamedCall({ sampled: i % 3 === 0 }));
    harness.call(streamedCall({ errorType: 'rate_limited', outputTokens: undefined, firstChunkS: undefined }));

    const collected = await harness.collect();
    expect(total(metricNamed(collected, 'llm_requests_total'))).toBe(11);
    expect(total(metricNamed(collected, 'llm_errors_total'))).toBe(1);
    expect(total(metricNamed(collected, 'llm_generation_latency_seconds'))).toBe(11);
    expect(total(metricNamed(collected, 'llm_first_token_latency_seconds'))).toBe(10);
    expect(total(metricNamed(collected, 'llm_time_per_output_token_seconds'))).toBe(11);
    expect(total(metricNamed(collected, 'llm_tokens_generated_total'))).toBe(400);
    expect(total(metricNamed(collected, 'llm_prompt_tokens_total'))).toBe(11 * 12);

    const requests = metricNamed(collected, 'llm_requests_total')!.dataPoints.map((point) => point.attributes);
    expect(requests).toContainEqual({
      model: 'gpt-4o-2024-08-06',
      provider: 'openai',
      operation: 'chat',
      status: 'ok',
      service_name: 'checkout',
    });
    expect(metricNamed(collected, 'llm_errors_total')!.dataPoints[0]!.attributes).toMatchObject({
      status: 'error',
      error_type: 'rate_limited',
    });
  });

  it('keeps each label set on its own series when calls of several label sets interleave', async () => {
    // Series are built once per label set and reused: a reuse across label sets would show here.
    harness = createHarness();
    const a = { responseModel: 'model-a' };
    const b = { responseModel: 'model-b' };
    for (const call of [a, b, { ...a, errorType: 'timeout' }, a, { ...a, errorType: 'rate_limited' }, b, a, { ...a, errorType: 'timeout' }]) {
      harness.call(streamedCall(call));
    }
    const collected = await harness.collect();
    const points = (name: string) =>
      metricNamed(collected, name)!
        .dataPoints.map((point) => [point.attributes.model, point.attributes.status, point.attributes.error_type, point.value])
        .sort((x, y) => String(x).localeCompare(String(y)));
    expect(points('llm_requests_total')).toEqual([
      ['model-a', 'error', undefined, 3],
      ['model-a', 'ok', undefined, 3],
      ['model-b', 'ok', undefined, 2],
    ]);
    expect(points('llm_errors_total')).toEqual([
      ['model-a', 'error', 'rate_limited', 1],
      ['model-a', 'error', 'timeout', 2],
    ]);
  });

  it('does not confuse label sets whose values contain separator characters', async () => {
    // Model names are the client's text: joined naively, these two label sets would read the same.
    harness = createHarness();
    harness.call(streamedCall({ requestModel: 'p', responseModel: 'q\u0001r' }));
    harness.call(streamedCall({ requestModel: 'p\u0001q', responseModel: 'r' }));
    const collected = await harness.collect();
    const models = metricNamed(collected, 'llm_requests_total')!.dataPoints.map((point) => [point.attributes.model, point.value]);
    expect(models.sort()).toEqual([
      ['q\u0001r', 1],
      ['r', 1],
    ]);
  });

  it('records first-token and generation latency in the right buckets', async () => {
    harness = createHarness();
    harness.call(streamedCall({ firstChunkS: 0.15, durationS: 2.5 }));
    const collected = await harness.collect();
    const ttft = metricNamed(collected, 'llm_first_token_latency_seconds')!.dataPoints[0]!.value as Histogram;
    const bucket = ttft.buckets.counts.findIndex((count) => count === 1);
    expect(ttft.buckets.boundaries[bucket - 1]).toBeLessThan(0.15);
    expect(ttft.buckets.boundaries[bucket]).toBeGreaterThanOrEqual(0.15);
    const generation = metricNamed(collected, 'llm_generation_latency_seconds')!.dataPoints[0]!.value as Histogram;
    expect(generation.sum).toBeCloseTo(2.5, 6);
  });

  it('leaves out the chunk metrics for a call without a stream', async () => {
    harness = createHarness();
    harness.call({ requestModel: 'text-embedding-3-small', operation: 'embeddings', inputTokens: 8 });
    harness.call(streamedCall({ chunkCount: 1 }));
    const collected = await harness.collect();
    expect(total(metricNamed(collected, 'llm_first_token_latency_seconds'))).toBe(1);
    expect(total(metricNamed(collected, 'llm_time_per_output_token_seconds'))).toBe(0);
    const models = metricNamed(collected, 'llm_requests_total')!.dataPoints.map((point) => point.attributes.model);
    expect(models).toContain('text-embedding-3-small');
  });

  it('labels a call without any model as unknown', async () => {
    harness = createHarness();
    harness.call({});
    const collected = await harness.collect();
    expect(metricNamed(collected, 'llm_requests_total')!.dataPoints[0]!.attributes.model).toBe('unknown');
  });

  it('counts calls in flight and returns to zero when they end', async () => {
    harness = createHarness();
    const ends = [harness.start(streamedCall()), harness.start(streamedCall({ sampled: false }))];
    expect(total(metricNamed(await harness.collect(), 'llm_active_requests'))).toBe(2);
    for (const end of ends) end();
    const active = metricNamed(await harness.collect(), 'llm_active_requests')!;
    expect(active.dataPoints.map((point) => point.value)).toEqual([0]);
    expect(active.dataPoints[0]!.attributes).toEqual({
      model: 'gpt-4o',
      provider: 'openai',
      operation: 'chat',
      service_name: 'checkout',
    });
  });

  it('counts a call in flight only once its request model is known, under that model', async () => {
    harness = createHarness();
    const late = harness.start(streamedCall({ requestModelLate: true }));
    const unknown = harness.start(streamedCall({ requestModel: undefined }));
    let active = metricNamed(await harness.collect(), 'llm_active_requests')!;
    expect(active.dataPoints.map((point) => [point.attributes.model, point.value])).toEqual([['gpt-4o', 1]]);
    late();
    unknown();
    active = metricNamed(await harness.collect(), 'llm_active_requests')!;
    expect(active.dataPoints.map((point) => [point.attributes.model, point.value])).toEqual([['gpt-4o', 0]]);
    expect(total(metricNamed(await harness.collect(), 'llm_requests_total'))).toBe(2);
  });

  it('ignores spans of any other instrumentation scope', async () => {
    harness = createHarness();
    harness.call(streamedCall({ scope: '@opentelemetry/instrumentation-undici' }));
    const collected = await harness.collect();
    expect(metricNamed(collected, 'llm_requests_total')).toBeUndefined();
    expect(harness.spans()[0]!.attributes[LLM_EXEMPLAR]).toBeUndefined();
  });

  it('marks spans chosen as exemplars, only sampled ones, and at most one per slot per refresh interval', async () => {
    harness = createHarness({ exemplarRefreshMs: 60_000 });
    const unsampled = harness.call(streamedCall({ sampled: false }));
    const first = harness.call(streamedCall());
    const second = harness.call(streamedCall());
    const marked = new Map(harness.spans().map((span) => [span.spanContext().spanId, span.attributes[LLM_EXEMPLAR]]));
    // Dropped spans are not exported at all; the metrics still counted them.
    expect(marked.has(unsampled.spanId)).toBe(false);
    expect(marked.get(first.spanId)).toBe(true);
    // Same labels, same buckets, within the refresh interval: the first exemplar stays.
    expect(marked.get(second.spanId)).toBeUndefined();
    expect(total(metricNamed(await harness.collect(), 'llm_requests_total'))).toBe(3);
  });

  it('exposes the same data under the GenAI convention names when asked', async () => {
    harness = createHarness({ naming: 'otel' });
    harness.call(streamedCall());
    harness.call(streamedCall({ errorType: 'timeout', sampled: false }));
    const collected = await harness.collect();
    const duration = metricNamed(collected, 'gen_ai.client.operation.duration')!;
    expect(total(duration)).toBe(2);
    expect(duration.dataPoints.map((point) => point.attributes)).toContainEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o',
      'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'error.type': 'timeout',
    });
    expect(total(metricNamed(collected, 'gen_ai.client.operation.time_to_first_chunk'))).toBe(2);
    expect(total(metricNamed(collected, 'gen_ai.client.operation.time_per_output_chunk'))).toBe(2);
    const usage = metricNamed(collected, 'gen_ai.client.token.usage')!;
    const tokenTypes = usage.dataPoints.map((point) => point.attributes['gen_ai.token.type']);
    expect(new Set(tokenTypes)).toEqual(new Set(['input', 'output']));
    expect(metricNamed(collected, 'llm_requests_total')).toBeUndefined();
  });
});
