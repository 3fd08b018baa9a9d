// OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental: each GenAI name renamed after v1.41
// (semantic-conventions-genai's migration guide) is written under its new name with the opt-in and
// under v1.41's without it; the opt-in list's other values are left alone.
import { afterEach, describe, expect, it } from 'vitest';
import { formatBadValue, readConfig } from '../../agent/config.js';
import { METRICS, metricsFor } from '../../agent/metrics/names.js';
import type { GenAiConventions } from '../../agent/semconv.js';
import { responseFactsAttributes } from '../../agent/spans/model-call.js';
import { createHarness, metricNamed, streamedCall, total, type Harness } from './harness.js';

function read(value: string | undefined) {
  const warnings: string[] = [];
  const config = readConfig(value === undefined ? {} : { OTEL_SEMCONV_STABILITY_OPT_IN: value }, (...bad) => warnings.push(formatBadValue(...bad)));
  return { conventions: config.genAiConventions, metrics: config.metrics.conventions, warnings };
}

describe('OTEL_SEMCONV_STABILITY_OPT_IN', () => {
  it('selects the newer GenAI names with gen_ai_latest_experimental in its comma-separated list, v1.41\'s otherwise', () => {
    expect(read(undefined)).toEqual({ conventions: 'v1.41', metrics: 'v1.41', warnings: [] });
    expect(read('gen_ai_latest_experimental')).toEqual({ conventions: 'latest', metrics: 'latest', warnings: [] });
    expect(read(' http/dup , gen_ai_latest_experimental,database')).toEqual({ conventions: 'latest', metrics: 'latest', warnings: [] });
    // Values for other components (instrumentations of other languages read the same variable) are not the agent's.
    expect(read('http,database/dup')).toEqual({ conventions: 'v1.41', metrics: 'v1.41', warnings: [] });
  });

  it('names an unknown GenAI value in one warning and keeps v1.41\'s names', () => {
    const { conventions, warnings } = read('http,gen_ai_latest,gen_ai/dup');
    expect(conventions).toBe('v1.41');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^invalid OTEL_SEMCONV_STABILITY_OPT_IN="gen_ai_latest,gen_ai\/dup" \(the GenAI value is gen_ai_latest_experimental; ignored\)/);
  });
});

describe('span attributes', () => {
  const cacheAttributes = (conventions?: GenAiConventions) =>
    Object.keys(responseFactsAttributes({ finishReasons: [], inputTokens: 40, cacheCreationInputTokens: 25, cacheReadInputTokens: 10 }, { captureContent: false, captureMaxLength: 0, conventions })).filter((key) => key.includes('cache'));

  it('gen_ai.usage.cache_creation.input_tokens → gen_ai.usage.cache_write.input_tokens (semantic-conventions-genai#440)', () => {
    expect(cacheAttributes('latest')).toEqual(['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_write.input_tokens']);
    expect(cacheAttributes('v1.41')).toEqual(['gen_ai.usage.cache_read.input_tokens', 'gen_ai.usage.cache_creation.input_tokens']);
    expect(cacheAttributes(undefined)).toEqual(cacheAttributes('v1.41'));
  });
});

describe('metric names under the otel profile', () => {
  let harness: Harness;
  afterEach(() => harness?.shutdown());

  async function namesAfterCalls(conventions: GenAiConventions) {
    harness = createHarness({ naming: 'otel', conventions });
    harness.call(streamedCall());
    harness.call(streamedCall({ operation: 'text_completion' }));
    harness.call({ requestModel: 'embed-v4.0', operation: 'embeddings', inputTokens: 2 });
    harness.call({ requestModel: 'rerank-v3.5', operation: 'rerank' });
    return harness.collect();
  }

  it('with the opt-in: inference calls on gen_ai.client.inference.duration, the others still on gen_ai.client.operation.duration; the streaming histograms as gen_ai.client.inference.* (semantic-conventions-genai#521)', async () => {
    const collected = await namesAfterCalls('latest');
    const inference = metricNamed(collected, 'gen_ai.client.inference.duration')!;
    expect(total(inference)).toBe(2);
    expect(new Set(inference.dataPoints.map((point) => point.attributes['gen_ai.operation.name']))).toEqual(new Set(['chat', 'text_completion']));
    const operation = metricNamed(collected, 'gen_ai.client.operation.duration')!;
    expect(new Set(operation.dataPoints.map((point) => point.attributes['gen_ai.operation.name']))).toEqual(new Set(['embeddings', 'rerank']));
    expect(total(metricNamed(collected, 'gen_ai.client.inference.time_to_first_chunk'))).toBe(2);
    expect(total(metricNamed(collected, 'gen_ai.client.inference.time_per_output_chunk'))).toBe(2);
    expect(metricNamed(collected, 'gen_ai.client.operation.time_to_first_chunk')).toBeUndefined();
    expect(metricNamed(collected, 'gen_ai.client.operation.time_per_output_chunk')).toBeUndefined();
    // Token usage was restructured, not renamed (semantic-conventions-genai#374): it stays as v1.41 has it.
    expect(metricNamed(collected, 'gen_ai.client.token.usage')).toBeDefined();
  });

  it('without it: v1.41\'s names, every operation on gen_ai.client.operation.duration', async () => {
    const collected = await namesAfterCalls('v1.41');
    expect(total(metricNamed(collected, 'gen_ai.client.operation.duration'))).toBe(4);
    expect(total(metricNamed(collected, 'gen_ai.client.operation.time_to_first_chunk'))).toBe(2);
    expect(total(metricNamed(collected, 'gen_ai.client.operation.time_per_output_chunk'))).toBe(2);
    expect(metricNamed(collected, 'gen_ai.client.inference.duration')).toBeUndefined();
    expect(metricNamed(collected, 'gen_ai.client.inference.time_to_first_chunk')).toBeUndefined();
  });

  it('leaves the prometheus profile\'s llm_* names as they are', () => {
    expect(metricsFor('prometheus', 'latest')).toEqual(metricsFor('prometheus', 'v1.41'));
    expect(metricsFor('prometheus', 'latest').map(({ metric }) => metric.name)).toEqual(Object.values(METRICS).map((row) => row.prometheus.name));
  });
});
