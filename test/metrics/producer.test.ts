// The LLM metrics as a push reader sees them: the agent records into its own series (series.ts),
// and the OTLP and console readers take them through the producer (metricProducers). A real
// PeriodicExportingMetricReader with the SDK's in-memory exporter stands in for the OTLP exporter;
// the collector pipeline test sends the same through the real collector.
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
  type SumMetricData,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import { createLlmMetrics } from '../../agent/metrics/llm-metrics.js';
import { DEFAULT_METRICS_OPTIONS } from '../../agent/metrics/options.js';
import { MODEL_CALL_SCOPE } from '../../agent/semconv.js';

const warn = { warn: () => {} };
let meterProvider: MeterProvider | undefined;
afterEach(async () => {
  await meterProvider?.shutdown();
  meterProvider = undefined;
});

const call = (durationS: number, model = 'gpt-4o') => ({
  requestModel: model,
  responseModel: model,
  provider: 'openai',
  operation: 'chat',
  serviceName: 'checkout',
  durationS,
  firstChunkS: durationS / 4,
  timePerChunkS: 0.01,
  inputTokens: 12,
  outputTokens: 40,
});

describe('the LLM metrics producer', () => {
  it('hands a push exporter cumulative counters and histograms with count, sum, min, max and the configured buckets', async () => {
    const llm = createLlmMetrics(DEFAULT_METRICS_OPTIONS, warn);
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000, metricProducers: [llm.producer] });
    meterProvider = new MeterProvider({ readers: [reader] });
    const before = Date.now();
    for (const durationS of [0.3, 1.2, 7]) llm.recorder.ended(call(durationS), undefined, undefined);
    const inFlight = llm.recorder.started(call(0));

    await reader.forceFlush();
    const scope = exporter.getMetrics().at(-1)!.scopeMetrics.find((one) => one.scope.name === MODEL_CALL_SCOPE)!;
    const byName = new Map(scope.metrics.map((metric) => [metric.descriptor.name, metric]));

    const requests = byName.get('llm_requests_total') as SumMetricData;
    expect(requests.dataPointType).toBe(DataPointType.SUM);
    expect(requests.isMonotonic).toBe(true);
    expect(requests.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE);
    expect(requests.dataPoints.map((point) => point.value)).toEqual([3]);
    expect(requests.dataPoints[0]!.attributes).toEqual({ model: 'gpt-4o', provider: 'openai', operation: 'chat', status: 'ok', service_name: 'checkout' });

    const active = byName.get('llm_active_requests') as SumMetricData;
    expect(active.isMonotonic).toBe(false);
    expect(active.dataPoints[0]!.value).toBe(1);

    const latency = byName.get('llm_generation_latency_seconds') as HistogramMetricData;
    expect(latency.descriptor).toMatchObject({ unit: 's', description: expect.stringContaining('whole model call') });
    const [point] = latency.dataPoints;
    expect(point!.value).toMatchObject({ count: 3, sum: 8.5, min: 0.3, max: 7 });
    expect(point!.value.buckets.boundaries).toEqual(DEFAULT_METRICS_OPTIONS.buckets.generation);
    const counts = point!.value.buckets.counts;
    expect(counts).toHaveLength(DEFAULT_METRICS_OPTIONS.buckets.generation.length + 1);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(3);
    expect(counts[DEFAULT_METRICS_OPTIONS.buckets.generation.indexOf(7.5)]).toBe(1); // 7 falls in le="7.5"
    expect(hrTimeToMilliseconds(point!.startTime)).toBeGreaterThanOrEqual(before - 1);
    expect(hrTimeToMilliseconds(point!.endTime)).toBeGreaterThanOrEqual(hrTimeToMilliseconds(point!.startTime));

    // Cumulative: the next export carries the earlier calls too, and a snapshot is not changed by later calls.
    inFlight?.leave();
    llm.recorder.ended(call(0.5), undefined, undefined);
    await reader.forceFlush();
    const next = exporter.getMetrics().at(-1)!.scopeMetrics.find((one) => one.scope.name === MODEL_CALL_SCOPE)!;
    expect((next.metrics.find((metric) => metric.descriptor.name === 'llm_requests_total') as SumMetricData).dataPoints[0]!.value).toBe(4);
    expect(point!.value.count).toBe(3);
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(3);
  });

  it('reports nothing before the first call', async () => {
    const llm = createLlmMetrics(DEFAULT_METRICS_OPTIONS, warn);
    const { resourceMetrics } = await llm.producer.collect();
    expect(resourceMetrics.scopeMetrics).toEqual([]);
  });
});
