// What a metric reader must select for the GPU gauges to forget a GPU that disappeared.
//
// sdk-metrics 3.1.1, under cumulative temporality, merges each collection into the previous one
// (TemporalMetricProcessor.merge), so an attribute set that a callback stops observing keeps being
// exported with its last value forever; the specification says it should not be. Under delta
// temporality each collection holds only what the callbacks observed. For a gauge the two differ in
// nothing else (a gauge point carries no temporality, in OTLP or in Prometheus text), so delta is
// safe for observable gauges; it is not for synchronous gauges (a value set once would vanish after
// one collection) nor for counters.
import { AggregationTemporality, InstrumentType, type AggregationTemporalitySelector } from '@opentelemetry/sdk-metrics';

/** Cumulative for everything but observable gauges, which report only what was last observed. */
export const forgetUnobservedGauges: AggregationTemporalitySelector = (type) =>
  type === InstrumentType.OBSERVABLE_GAUGE ? AggregationTemporality.DELTA : AggregationTemporality.CUMULATIVE;
