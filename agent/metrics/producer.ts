// The LLM metrics as the SDK's readers take them: a MetricProducer over the agent's own series
// (series.ts), handed to the OTLP and console readers (metricProducers), so a push exporter sends the
// same figures the /metrics endpoint writes from the series directly. Cumulative, as the agent's
// readers select for every synchronous instrument (gpu/temporality.ts).
import { ValueType } from '@opentelemetry/api';
import { millisToHrTime } from '@opentelemetry/core';
import { emptyResource } from '@opentelemetry/resources';
import {
  AggregationTemporality,
  DataPointType,
  type CollectionResult,
  type MetricData,
  type MetricProducer,
} from '@opentelemetry/sdk-metrics';
import { MODEL_CALL_SCOPE } from '../semconv.js';
import type { Instrument } from './series.js';

export class LlmMetricProducer implements MetricProducer {
  constructor(
    private readonly instruments: readonly Instrument[],
    private readonly now: () => number = Date.now,
  ) {}

  collect(): Promise<CollectionResult> {
    const endTime = millisToHrTime(this.now());
    const metrics: MetricData[] = [];
    for (const instrument of this.instruments) {
      if (instrument.series.size > 0) metrics.push(metricData(instrument, endTime));
    }
    return Promise.resolve({
      // The reader keeps its own resource and takes only the scope metrics from a producer.
      resourceMetrics: { resource: emptyResource(), scopeMetrics: metrics.length > 0 ? [{ scope: { name: MODEL_CALL_SCOPE }, metrics }] : [] },
      errors: [],
    });
  }
}

function metricData(instrument: Instrument, endTime: [number, number]): MetricData {
  const { spec } = instrument;
  const descriptor = { name: spec.name, description: spec.description, unit: spec.unit, valueType: ValueType.DOUBLE };
  const aggregationTemporality = AggregationTemporality.CUMULATIVE;
  const series = [...instrument.series.values()];
  if (spec.kind === 'histogram') {
    const boundaries = [...instrument.boundaries!];
    return {
      descriptor,
      aggregationTemporality,
      dataPointType: DataPointType.HISTOGRAM,
      dataPoints: series.map((one) => ({
        startTime: millisToHrTime(one.startTimeMs),
        endTime,
        attributes: one.attributes,
        value: {
          buckets: { boundaries, counts: [...one.counts!] },
          sum: one.sum,
          count: one.count,
          ...(one.count > 0 ? { min: one.min, max: one.max } : {}),
        },
      })),
    };
  }
  return {
    descriptor,
    aggregationTemporality,
    dataPointType: DataPointType.SUM,
    isMonotonic: spec.kind === 'counter',
    dataPoints: series.map((one) => ({ startTime: millisToHrTime(one.startTimeMs), endTime, attributes: one.attributes, value: one.value })),
  };
}
