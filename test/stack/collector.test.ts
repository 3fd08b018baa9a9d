// otel-collector.yaml: the pipelines the stack relies on, and a tail sampler that keeps every trace a
// metric exemplar, an error or a paging-slow call can lead to.
import { describe, expect, it } from 'vitest';
import { LLM_EXEMPLAR } from '../../agent/semconv.js';
import { LABEL_NAMES } from '../../agent/metrics/names.js';
import { alertRules, readYaml } from './stack-files.js';

interface Policy {
  name: string;
  type: string;
  status_code?: { status_codes: string[] };
  latency?: { threshold_ms: number };
  boolean_attribute?: { key: string; value: boolean };
  probabilistic?: { sampling_percentage: number };
}

interface CollectorConfig {
  processors: {
    memory_limiter: Record<string, unknown>;
    batch: Record<string, unknown>;
    'transform/one-service-name-label': { metric_statements: Array<{ context: string; statements: string[] }> };
    tail_sampling: { decision_wait: string; policies: Policy[] };
  };
  exporters: {
    'otlp_http/traces': { endpoint: string };
    prometheus: { endpoint: string; enable_open_metrics: boolean; without_scope_info: boolean; resource_constant_labels: { included: string[] } };
  };
  connectors: { span_metrics: { exemplars: { enabled: boolean } } };
  service: { pipelines: Record<string, { receivers: string[]; processors: string[]; exporters: string[] }> };
}

const config = readYaml<CollectorConfig>('otel-collector.yaml');
const policies = config.processors.tail_sampling.policies;
const policyOf = (type: string): Policy | undefined => policies.find((p) => p.type === type);

describe('otel-collector.yaml', () => {
  it('runs sampled traces, span metrics before sampling, and metrics, memory limiter first in each', () => {
    const { traces, 'traces/span-metrics': spanMetrics, metrics } = config.service.pipelines;
    expect(traces!.receivers).toEqual(['otlp']);
    expect(traces!.processors).toEqual(['memory_limiter', 'tail_sampling', 'batch']);
    expect(traces!.exporters).toEqual(['otlp_http/traces']);
    // A pipeline of its own from the receiver: the span metrics see every span, sampled or not.
    expect(spanMetrics).toEqual({ receivers: ['otlp'], processors: ['memory_limiter'], exporters: ['span_metrics'] });
    expect(metrics!.receivers).toEqual(['otlp', 'span_metrics']);
    expect(metrics!.processors).toEqual(['memory_limiter', 'transform/one-service-name-label', 'batch']);
    expect(metrics!.exporters).toEqual(['prometheus']);
    for (const pipeline of Object.values(config.service.pipelines)) expect(pipeline.processors[0]).toBe('memory_limiter');
  });

  it('attaches no span-metric exemplars: they would point at traces the tail sampler drops', () => {
    expect(config.connectors.span_metrics.exemplars.enabled).toBe(false);
  });

  it('defines every component a pipeline names', () => {
    for (const pipeline of Object.values(config.service.pipelines)) {
      for (const processor of pipeline.processors) expect(Object.keys(config.processors)).toContain(processor);
      for (const exporter of pipeline.exporters) expect([...Object.keys(config.exporters), ...Object.keys(config.connectors)]).toContain(exporter);
    }
  });

  it('serves OTLP-pushed metrics as OpenMetrics, so exemplars survive, labelled as a direct scrape is', () => {
    expect(config.exporters.prometheus.enable_open_metrics).toBe(true);
    expect(config.exporters.prometheus.without_scope_info).toBe(true);
    expect(config.exporters.prometheus.resource_constant_labels.included).toEqual(['service.name']);
  });

  it("drops the agent's own service label where the resource's service.name becomes the same label", () => {
    const agentLabel = LABEL_NAMES.prometheus.serviceName!;
    expect('service.name'.replace('.', '_')).toBe(agentLabel);
    const [statements] = config.processors['transform/one-service-name-label'].metric_statements;
    expect(statements.context).toBe('datapoint');
    expect(statements.statements).toEqual([
      `delete_key(datapoint.attributes, "${agentLabel}") where resource.attributes["service.name"] != nil`,
    ]);
  });

  it('keeps errors, exemplar traces and a share of the rest', () => {
    expect(policyOf('status_code')?.status_code?.status_codes).toEqual(['ERROR']);
    // The attribute the agent sets on the spans it uses as exemplars, as the boolean it writes.
    expect(policyOf('boolean_attribute')?.boolean_attribute).toEqual({ key: LLM_EXEMPLAR, value: true });
    const share = policyOf('probabilistic')?.probabilistic?.sampling_percentage ?? 0;
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(100);
    // Policies are OR-ed; an always_sample, or any drop policy, would defeat the others.
    expect(policies.map((p) => p.type)).not.toContain('always_sample');
    expect(policies.map((p) => p.type)).not.toContain('drop');
  });

  it('keeps every call slow enough to raise HighLatency', () => {
    const thresholdSeconds = (policyOf('latency')?.latency?.threshold_ms ?? Infinity) / 1000;
    const highLatency = alertRules().find((a) => a.alert === 'HighLatency')!;
    const alertSeconds = Number(/p95_5m > (\d+(?:\.\d+)?)/.exec(highLatency.expr)![1]);
    expect(thresholdSeconds).toBeLessThanOrEqual(alertSeconds);
  });
});
