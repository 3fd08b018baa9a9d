import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_BUCKETS } from '../../agent/metrics/buckets.js';
import type { ExemplarLookup } from '../../agent/metrics/exemplars.js';
import { canonicalFloat, serializeOpenMetrics } from '../../agent/metrics/openmetrics.js';
import { serializePrometheusText } from '../../agent/metrics/text-format.js';
import { createHarness, streamedCall, type Harness } from './harness.js';

let harness: Harness;
afterEach(() => harness?.shutdown());

function lines(text: string, prefix: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(prefix));
}

describe('OpenMetrics serializer', () => {
  it('writes counters as a family without _total and samples with it, and ends with # EOF', async () => {
    harness = createHarness();
    harness.call(streamedCall());
    const text = serializeOpenMetrics(await harness.collect(), harness.llm.exemplars);
    expect(text).toContain('# TYPE llm_requests counter\n');
    expect(text).not.toContain('# TYPE llm_requests_total');
    expect(lines(text, 'llm_requests_total{')).toHaveLength(1);
    expect(text).toContain('# TYPE llm_active_requests gauge\n');
    expect(text).toContain('# HELP llm_requests Model calls, by outcome.\n');
    expect(text.endsWith('\n# EOF\n')).toBe(true);
    expect(text.indexOf('# EOF')).toBe(text.length - '# EOF\n'.length);
  });

  it('writes histograms with cumulative buckets in canonical form, +Inf, _count and _sum, and a unit', async () => {
    harness = createHarness({ buckets: { ...DEFAULT_BUCKETS, firstToken: [0.1, 1, 2] } });
    harness.call(streamedCall({ firstChunkS: 0.5 }));
    harness.call(streamedCall({ firstChunkS: 1.5 }));
    harness.call(streamedCall({ firstChunkS: 30 }));
    const text = serializeOpenMetrics(await harness.collect());
    expect(text).toContain('# TYPE llm_first_token_latency_seconds histogram\n# UNIT llm_first_token_latency_seconds seconds\n');
    const buckets = lines(text, 'llm_first_token_latency_seconds_bucket').map((line) => line.replace(/\{.*,le=/, '{le='));
    expect(buckets).toEqual([
      'llm_first_token_latency_seconds_bucket{le="0.1"} 0',
      'llm_first_token_latency_seconds_bucket{le="1.0"} 1',
      'llm_first_token_latency_seconds_bucket{le="2.0"} 2',
      'llm_first_token_latency_seconds_bucket{le="+Inf"} 3',
    ]);
    expect(lines(text, 'llm_first_token_latency_seconds_count')[0]).toMatch(/ 3$/);
    expect(lines(text, 'llm_first_token_latency_seconds_sum')[0]).toMatch(/ 32$/);
  });

  it('escapes backslash, double quote and line feed in label values and help text', async () => {
    harness = createHarness();
    const counter = harness.meterProvider.getMeter('test').createCounter('weird_things', { description: 'a "quoted"\nhelp \\ text' });
    counter.add(2, { 'path.name': 'C:\\dir "x"\nnext' });
    const text = serializeOpenMetrics(await harness.collect());
    expect(text).toContain('# HELP weird_things a \\"quoted\\"\\nhelp \\\\ text\n');
    expect(text).toContain('weird_things_total{path_name="C:\\\\dir \\"x\\"\\nnext"} 2\n');
  });

  it('renders target_info from the resource as an info family', async () => {
    harness = createHarness();
    harness.call(streamedCall());
    const text = serializeOpenMetrics(await harness.collect());
    expect(text.startsWith('# TYPE target info\n# HELP target Target metadata\ntarget_info{')).toBe(true);
    expect(lines(text, 'target_info{')[0]).toContain('service_name="checkout"');
  });

  it('attaches exemplars of sampled spans to buckets and counters, with trace_id, span_id, value and time', async () => {
    harness = createHarness();
    const context = harness.call(streamedCall({ firstChunkS: 0.15 }));
    const text = serializeOpenMetrics(await harness.collect(), harness.llm.exemplars);
    const exemplar = ` # {trace_id="${context.traceId}",span_id="${context.spanId}"} `;
    const bucket = lines(text, 'llm_first_token_latency_seconds_bucket').find((line) => line.includes(exemplar));
    expect(bucket).toMatch(/le="0\.15"\} 1 # \{.*\} 0\.15 \d{10}(\.\d+)?$/);
    expect(lines(text, 'llm_requests_total{')[0]).toContain(`${exemplar}1 `);
    expect(lines(text, 'llm_tokens_generated_total{')[0]).toContain(`${exemplar}40 `);
    expect(lines(text, 'llm_active_requests{')[0]).not.toContain('#');
  });

  it('drops an exemplar whose labels exceed 128 UTF-8 characters', async () => {
    harness = createHarness();
    harness.call(streamedCall());
    const withLabels = (value: string): ExemplarLookup => ({
      exemplarsFor: () => new Map([[0, { labels: { trace_id: value }, value: 1, timestampMs: 1_700_000_000_000 }]]),
    });
    const collected = await harness.collect();
    // "trace_id" is 8 characters; é is one character but two bytes: characters count, not bytes.
    const fits = serializeOpenMetrics(collected, withLabels('é'.repeat(120)));
    expect(lines(fits, 'llm_requests_total{')[0]).toContain(' # {trace_id="');
    const tooLong = serializeOpenMetrics(collected, withLabels('é'.repeat(121)));
    expect(lines(tooLong, 'llm_requests_total{')[0]).not.toContain('#');
  });

  it('exposes the GenAI convention names with Prometheus unit suffixes under the otel profile', async () => {
    harness = createHarness({ naming: 'otel' });
    harness.call(streamedCall());
    const text = serializeOpenMetrics(await harness.collect(), harness.llm.exemplars);
    const families = lines(text, '# TYPE ').map((line) => line.split(' ').slice(2).join(' '));
    expect(families).toEqual(
      expect.arrayContaining([
        'gen_ai_client_operation_duration_seconds histogram',
        'gen_ai_client_operation_time_to_first_chunk_seconds histogram',
        'gen_ai_client_operation_time_per_output_chunk_seconds histogram',
        'gen_ai_client_token_usage histogram',
        'gen_ai_client_active_requests gauge',
      ]),
    );
    expect(families.some((family) => family.startsWith('llm_'))).toBe(false);
    expect(lines(text, 'gen_ai_client_token_usage_count{')[0]).toContain('gen_ai_token_type="input"');
  });

  it('names the agent metrics as the issue lists them under the prometheus profile', async () => {
    harness = createHarness();
    harness.call(streamedCall({ errorType: 'timeout' }));
    const text = serializeOpenMetrics(await harness.collect());
    const samples = new Set(text.split('\n').filter((line) => !line.startsWith('#')).map((line) => line.split('{')[0]));
    for (const name of [
      'llm_first_token_latency_seconds_bucket',
      'llm_generation_latency_seconds_bucket',
      'llm_time_per_output_token_seconds_bucket',
      'llm_requests_total',
      'llm_errors_total',
      'llm_tokens_generated_total',
      'llm_prompt_tokens_total',
      'llm_active_requests',
    ]) {
      expect(samples).toContain(name);
    }
  });

  it('formats le boundaries canonically', () => {
    expect([0.05, 1, 2, 120, 0.0025, Infinity].map(canonicalFloat)).toEqual(['0.05', '1.0', '2.0', '120.0', '0.0025', '+Inf']);
  });
});

describe('0.0.4 text fallback', () => {
  it('has the same names and samples, and no exemplars', async () => {
    harness = createHarness({ naming: 'otel' });
    harness.call(streamedCall());
    const text = serializePrometheusText(await harness.collect());
    expect(text).toContain('# TYPE gen_ai_client_operation_duration_seconds histogram\n');
    expect(text).toMatch(/gen_ai_client_operation_duration_seconds_bucket\{[^}]*le="\+Inf"\} 1\n/);
    expect(text).toContain('target_info{');
    expect(text).not.toContain('# EOF');
    expect(text).not.toContain('trace_id');
    expect(text).not.toContain('otel_scope_name');
  });

  it('keeps _total on counters exactly once', async () => {
    harness = createHarness();
    harness.call(streamedCall());
    const text = serializePrometheusText(await harness.collect());
    expect(text).toContain('# TYPE llm_requests_total counter\n');
    expect(text).toMatch(/\nllm_requests_total\{[^}]*\} 1\n/);
    expect(text).not.toContain('_total_total');
  });
});

