// Every metric a rule, a dashboard panel, a datasource link or the autoscaling example queries must
// be one the agent exposes (its own name table, default `prometheus` naming profile), one a vLLM model
// server exposes (the model simulator's table of vLLM's names, which its /metrics serves), a
// recording rule defined here, or a standard series. A renamed metric then fails here instead of leaving an
// empty panel or a silent alert. SLO thresholds must be exact bucket boundaries of their histogram.
import { describe, expect, it } from 'vitest';
import { METRICS, type BucketsId } from '../../agent/metrics/names.js';
import { GPU_GAUGES } from '../../agent/metrics/gpu/gauges.js';
import { DEFAULT_BUCKETS } from '../../agent/metrics/buckets.js';
import { vllmSeriesNames } from '../../demo/simulator/vllm-metrics.js';
import { metricNamesIn, selectorOfVariableQuery } from './promql-names.js';
import {
  allPanels,
  dashboardPaths,
  loadDashboard,
  loadDatasources,
  loadRuleGroups,
  readYaml,
  recordingRules,
  unescapeProvisioning,
  type Dashboard,
} from './stack-files.js';

const STANDARD_SERIES = ['up'];

/** Exposed histogram name -> the bucket set it uses. */
const histogramBuckets = new Map<string, BucketsId>(
  Object.values(METRICS).flatMap(({ prometheus: m }) =>
    m.kind === 'histogram' && m.buckets ? [[m.name, m.buckets] as [string, BucketsId]] : [],
  ),
);

function agentSeriesNames(): Set<string> {
  const names = new Set<string>();
  for (const { prometheus: metric } of Object.values(METRICS)) {
    if (metric.kind === 'histogram') {
      for (const suffix of ['_bucket', '_sum', '_count']) names.add(metric.name + suffix);
    } else {
      names.add(metric.name);
    }
  }
  for (const gauge of GPU_GAUGES) names.add(gauge.prometheus.name);
  return names;
}

const known = new Set([
  ...agentSeriesNames(),
  ...vllmSeriesNames(),
  ...recordingRules().map((r) => r.record),
  ...STANDARD_SERIES,
]);

interface Query {
  where: string;
  expr: string;
}

function ruleQueries(): Query[] {
  return loadRuleGroups().flatMap((group) =>
    group.rules.map((rule) => ({ where: `rule ${'alert' in rule ? rule.alert : rule.record}`, expr: rule.expr })),
  );
}

function dashboardQueries(dashboard: Dashboard): Query[] {
  const panels = allPanels(dashboard).flatMap((panel) =>
    (panel.targets ?? [])
      .filter((t) => t.expr !== undefined)
      .map((t) => ({ where: `panel "${panel.title}" ${t.refId}`, expr: t.expr! })),
  );
  const variables = dashboard.templating.list
    .filter((v) => v.type === 'query' && v.definition)
    .map((v) => ({ where: `variable ${v.name}`, expr: selectorOfVariableQuery(v.definition!) }));
  return [...panels, ...variables];
}

function datasourceQueries(): Query[] {
  return loadDatasources().flatMap((ds) =>
    (ds.jsonData?.tracesToMetrics?.queries ?? []).map((q) => ({
      where: `datasource ${ds.name} link "${q.name}"`,
      expr: unescapeProvisioning(q.query),
    })),
  );
}

function autoscalingQueries(): Query[] {
  const scaledObject = readYaml<{ spec: { triggers: Array<{ name: string; metadata: { query: string } }> } }>(
    'collector/autoscaling/keda-scaledobject.yaml',
  );
  return scaledObject.spec.triggers.map((t) => ({ where: `KEDA trigger ${t.name}`, expr: t.metadata.query }));
}

const allQueries = (): Query[] => [
  ...ruleQueries(),
  ...dashboardPaths().flatMap((path) => dashboardQueries(loadDashboard(path))),
  ...datasourceQueries(),
  ...autoscalingQueries(),
];

describe('metric names', () => {
  it('the agent table yields the names the stack was built for', () => {
    for (const name of [
      'llm_first_token_latency_seconds_bucket',
      'llm_generation_latency_seconds_count',
      'llm_time_per_output_token_seconds_sum',
      'llm_requests_total',
      'llm_errors_total',
      'llm_tokens_generated_total',
      'llm_prompt_tokens_total',
      'llm_active_requests',
      'llm_gpu_memory_used_bytes',
      'llm_gpu_memory_total_bytes',
      'llm_gpu_utilization_percent',
      'vllm:num_requests_running',
      'vllm:num_requests_waiting',
      'vllm:kv_cache_usage_perc',
      'vllm:time_to_first_token_seconds_bucket',
      'vllm:request_queue_time_seconds_bucket',
      'vllm:e2e_request_latency_seconds_count',
      'vllm:prompt_tokens_total',
      'vllm:generation_tokens_total',
      'vllm:request_success_total',
    ]) {
      expect(known).toContain(name);
    }
  });

  it('every query reads a name that exists', () => {
    const queries = allQueries();
    expect(queries.length).toBeGreaterThan(60);
    const unknown = queries.flatMap(({ where, expr }) =>
      [...metricNamesIn(expr)].filter((name) => !known.has(name)).map((name) => `${where}: ${name}`),
    );
    expect(unknown).toEqual([]);
  });

  it('every query reads at least one series (no constant-only panels or rules besides SLO lines)', () => {
    const empty = allQueries().filter(({ expr }) => metricNamesIn(expr).size === 0 && !/^vector\(\$\{\w+\}\)$/.test(expr));
    expect(empty.map((q) => q.where)).toEqual([]);
  });
});

describe('SLO thresholds', () => {
  const bucketMatchers = (expr: string): Array<{ histogram: string; le: string }> =>
    [...expr.matchAll(/(\w+)_bucket\{[^}]*\ble=~?"([^"]+)"/g)].map((m) => ({ histogram: m[1], le: m[2] }));

  it('in rules are exact bucket boundaries, matched as both "2" and "2.0"', () => {
    const matchers = ruleQueries().flatMap((q) => bucketMatchers(q.expr));
    expect(matchers.length).toBeGreaterThanOrEqual(8);
    for (const { histogram, le } of matchers) {
      const match = /^([\d.]+)\(\\\\\.0\)\?$/.exec(le);
      expect(match, `${histogram} le=~"${le}" must read "<bound>(\\\\.0)?"`).not.toBeNull();
      const bounds = DEFAULT_BUCKETS[histogramBuckets.get(histogram)!];
      expect(bounds, histogram).toContain(Number(match![1]));
    }
  });

  it('offered by the dashboard are exact bucket boundaries of their histogram', () => {
    const dashboard = loadDashboard();
    const options = (name: string): number[] =>
      String(dashboard.templating.list.find((v) => v.name === name)?.query ?? '')
        .split(',')
        .map(Number);
    expect(options('ttft_slo')).toEqual([0.5, 1, 2, 5]);
    expect(options('tpot_slo')).toEqual([0.05, 0.1, 0.2]);
    for (const bound of options('ttft_slo')) expect(DEFAULT_BUCKETS.firstToken).toContain(bound);
    for (const bound of options('tpot_slo')) expect(DEFAULT_BUCKETS.timePerToken).toContain(bound);

    const matchers = dashboardQueries(dashboard).flatMap((q) => bucketMatchers(q.expr));
    expect(matchers.length).toBeGreaterThanOrEqual(2);
    for (const { histogram, le } of matchers) {
      const variable = histogramBuckets.get(histogram) === 'firstToken' ? 'ttft_slo' : 'tpot_slo';
      expect(le, histogram).toBe(`\${${variable}}(\\\\.0)?`);
    }
  });
});
