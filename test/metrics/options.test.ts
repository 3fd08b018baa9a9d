import { describe, expect, it } from 'vitest';
import { readConfig } from '../../agent/config.js';
import { DEFAULT_BUCKETS, SLO_BOUNDARIES } from '../../agent/metrics/buckets.js';
import { DEFAULT_METRICS_OPTIONS, type LlmMetricsOptions } from '../../agent/metrics/options.js';

type Warning = [variable: string, value: string, defaultUsed: string, reason: string];

/** The metrics options as the agent's configuration table reads them. */
function read(env: Record<string, string>): { options: LlmMetricsOptions; warnings: Warning[] } {
  const warnings: Warning[] = [];
  const options = readConfig(env, (...warning) => warnings.push(warning)).metrics;
  return { options, warnings };
}

describe('default buckets', () => {
  it.each(['firstToken', 'generation', 'timePerToken'] as const)('%s keeps every SLO threshold and reaches minutes', (id) => {
    const buckets = DEFAULT_BUCKETS[id];
    for (const threshold of SLO_BOUNDARIES) expect(buckets).toContain(threshold);
    expect(buckets.at(-1)).toBeGreaterThanOrEqual(60);
    expect(buckets[0]).toBeLessThanOrEqual(0.01);
    expect([...buckets].sort((a, b) => a - b)).toEqual(buckets);
  });
});

describe('the metrics variables, read through the configuration table', () => {
  it('gives the defaults for an empty environment, without warnings', () => {
    expect(read({})).toEqual({ options: DEFAULT_METRICS_OPTIONS, warnings: [] });
  });

  it('reads every variable', () => {
    const { options, warnings } = read({
      LLM_OTEL_METRICS_NAMING: 'otel',
      LLM_OTEL_MAX_SERIES: '50',
      LLM_OTEL_BUCKETS_FIRST_TOKEN: '0.1, 0.5,1',
      LLM_OTEL_BUCKETS_GENERATION: '1,10',
      LLM_OTEL_BUCKETS_TIME_PER_TOKEN: '0.01',
    });
    expect(warnings).toEqual([]);
    expect(options.naming).toBe('otel');
    expect(options.maxSeries).toBe(50);
    expect(options.buckets).toMatchObject({ firstToken: [0.1, 0.5, 1], generation: [1, 10], timePerToken: [0.01] });
  });

  it('warns exactly once per bad value and uses its default', () => {
    const { options, warnings } = read({
      LLM_OTEL_METRICS_NAMING: 'statsd',
      LLM_OTEL_MAX_SERIES: '0',
      LLM_OTEL_BUCKETS_FIRST_TOKEN: '1,0.5',
      LLM_OTEL_BUCKETS_GENERATION: 'fast',
    });
    expect(warnings.map(([variable]) => variable)).toEqual([
      'LLM_OTEL_METRICS_NAMING',
      'LLM_OTEL_MAX_SERIES',
      'LLM_OTEL_BUCKETS_FIRST_TOKEN',
      'LLM_OTEL_BUCKETS_GENERATION',
    ]);
    expect(warnings[0]!.slice(0, 3)).toEqual(['LLM_OTEL_METRICS_NAMING', 'statsd', 'prometheus']);
    expect(options).toEqual(DEFAULT_METRICS_OPTIONS);
  });
});
