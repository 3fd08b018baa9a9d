import { afterEach, describe, expect, it } from 'vitest';
import { serializeOpenMetrics } from '../../agent/metrics/openmetrics.js';
import { createHarness, metricNamed, streamedCall, total, type Harness } from './harness.js';

let harness: Harness;
afterEach(() => harness?.shutdown());

describe('cardinality guard', () => {
  it('folds label sets beyond the limit into `other`, keeps counts exact, and warns once', async () => {
    const maxSeries = 1000;
    harness = createHarness({ maxSeries });
    const calls = 10_000;
    for (let i = 0; i < calls; i++) harness.call(streamedCall({ responseModel: `fine-tune-${i}`, sampled: i % 2 === 0 }));

    const collected = await harness.collect();
    const names = collected.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => metric.descriptor.name));
    expect(names).toEqual(
      expect.arrayContaining(['llm_requests_total', 'llm_generation_latency_seconds', 'llm_tokens_generated_total']),
    );
    for (const scope of collected.scopeMetrics) {
      for (const metric of scope.metrics) expect(metric.dataPoints.length, metric.descriptor.name).toBeLessThanOrEqual(maxSeries + 1);
    }
    const requests = metricNamed(collected, 'llm_requests_total')!;
    expect(total(requests)).toBe(calls);
    const other = requests.dataPoints.find((point) => point.attributes.model === 'other')!;
    expect(other.value).toBe(calls - maxSeries);
    expect(other.attributes).toEqual({
      model: 'other',
      provider: 'other',
      operation: 'other',
      status: 'other',
      service_name: 'checkout',
    });
    expect(harness.warnings).toHaveLength(1);
    expect(harness.warnings[0]).toContain('LLM_OTEL_MAX_SERIES');

    // The exemplar reservoir is keyed by the guarded label sets, so it is bounded too.
    const text = serializeOpenMetrics(collected, harness.llm.exemplars);
    const requestExemplars = text.split('\n').filter((line) => line.startsWith('llm_requests_total{') && line.includes(' # {'));
    expect(requestExemplars.length).toBeLessThanOrEqual(maxSeries + 1);
  });

  it('keeps an in-flight call on one series from start to end, even when folded', async () => {
    harness = createHarness({ maxSeries: 1 });
    const ends = [harness.start(streamedCall({ requestModel: 'a' })), harness.start(streamedCall({ requestModel: 'b' }))];
    const during = metricNamed(await harness.collect(), 'llm_active_requests')!;
    expect(during.dataPoints.map((point) => [point.attributes.model, point.value])).toEqual([
      ['a', 1],
      ['other', 1],
    ]);
    for (const end of ends) end();
    const after = metricNamed(await harness.collect(), 'llm_active_requests')!;
    expect(after.dataPoints.map((point) => point.value)).toEqual([0, 0]);
  });
});
