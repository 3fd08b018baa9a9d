// The metric-name extractor the consistency tests rely on: if it found nothing, they would pass
// vacuously, so it is pinned down on the shapes our rules and dashboards use.
import { describe, expect, it } from 'vitest';
import { metricNamesIn, selectorOfVariableQuery } from './promql-names.js';

const names = (expr: string): string[] => [...metricNamesIn(expr)].sort();

describe('metricNamesIn', () => {
  it('finds names in aggregations, ratios and label lists', () => {
    expect(
      names('sum by (job, model) (rate(llm_errors_total[5m])) / sum by (job, model) (rate(llm_requests_total[5m]))'),
    ).toEqual(['llm_errors_total', 'llm_requests_total']);
  });

  it('finds recording-rule names and ignores numbers, durations and offsets', () => {
    expect(
      names('llm:ttft_seconds:p95_1h > 1.5 * llm:x:p95_1h offset 1w and llm:requests:rate5m > 0.05 or vector(1e-9)'),
    ).toEqual(['llm:requests:rate5m', 'llm:ttft_seconds:p95_1h', 'llm:x:p95_1h']);
  });

  it('ignores label matchers, string values and vector-matching clauses', () => {
    expect(
      names(
        'predict_linear(a_bytes{le=~"2(\\\\.0)?", x="b_total"}[30m], 3600) > on (job, gpu_uuid) group_left c_bytes ' +
          'unless ignoring (x) d_total',
      ),
    ).toEqual(['a_bytes', 'c_bytes', 'd_total']);
  });

  it('treats Grafana variables and provisioning escapes as values', () => {
    expect(
      names(
        'sum(increase(h_bucket{model=~"$model", le=~"${ttft_slo}(\\\\.0)?"}[$__range])) / (1 - ${slo_target}) + ' +
          'rate(h_count{$$__tags}[$__rate_interval]) + vector($ttft_slo)',
      ),
    ).toEqual(['h_bucket', 'h_count']);
  });

  it('keeps a misspelt name, which is the point', () => {
    expect(names('histogram_quantile(0.95, sum by (le) (rate(llm_first_token_latency_bucket[5m])))')).toEqual([
      'llm_first_token_latency_bucket',
    ]);
  });
});

describe('selectorOfVariableQuery', () => {
  it('takes the selector out of label_values()', () => {
    expect(selectorOfVariableQuery('label_values(llm_requests_total{job=~"$job"}, instance)')).toBe(
      'llm_requests_total{job=~"$job"}',
    );
    expect(selectorOfVariableQuery('up')).toBe('up');
  });
});
