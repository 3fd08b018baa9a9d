// Records model calls into the instruments: the one place where counts, histogram buckets, the
// in-flight gauge and exemplars are written, for the calls of this thread (through the span
// processor) and for those its workers send (remote/receiver.ts) alike.
import type { Attributes } from '@opentelemetry/api';
import type { CallFacts, CallLabels } from './call-facts.js';
import { measurement } from './call-facts.js';
import type { CallSink, ExemplarRef, InFlight } from './call-sink.js';
import { bucketIndex, type ExemplarReservoir } from './exemplars.js';
import { SeriesCache, type LlmMetric } from './instruments.js';
import { recordsOperation } from './names.js';

/** A call in the gauge: the series it was counted under, so its end subtracts from the same one. */
class ActiveCall implements InFlight {
  private counted = true;

  constructor(
    private readonly gauge: LlmMetric,
    private readonly attributes: Attributes,
  ) {}

  leave(): void {
    if (!this.counted) return;
    this.counted = false;
    this.gauge.record(-1, this.attributes);
  }
}

export class CallRecorder implements CallSink {
  /** Empty until the instruments exist: the recorder is built before the MeterProvider. */
  private metrics: LlmMetric[] = [];
  private activeRequestsIndex = -1;
  private series: SeriesCache | undefined;

  constructor(
    private readonly reservoir: ExemplarReservoir,
    /** How many distinct call label sets keep their series cached (LLM_OTEL_MAX_SERIES). */
    private readonly cachedLabelSets: number,
  ) {}

  /** One per instrument row; a row split by operation (the opt-in's inference duration) gives several with one id. */
  useMetrics(metrics: readonly LlmMetric[]): void {
    this.metrics = [...metrics];
    this.activeRequestsIndex = this.metrics.findIndex((metric) => metric.id === 'activeRequests');
    this.series = new SeriesCache(this.metrics, this.cachedLabelSets);
  }

  started(labels: CallLabels): InFlight | undefined {
    const index = this.activeRequestsIndex;
    const series = this.series;
    if (index < 0 || !series) return undefined;
    const gauge = this.metrics[index]!;
    const { attributes } = series.seriesAt(series.slotsFor(labels), index, labels);
    gauge.record(1, attributes);
    return new ActiveCall(gauge, attributes);
  }

  ended(call: CallFacts, exemplar: ExemplarRef | undefined, inFlight: InFlight | undefined): boolean {
    inFlight?.leave();
    if (!this.series) return false;
    const slots = this.series.slotsFor(call);
    const labels = exemplar ? { trace_id: exemplar.traceId, span_id: exemplar.spanId } : undefined;
    let chosen = false;
    for (let i = 0; i < this.metrics.length; i++) {
      const metric = this.metrics[i]!;
      const value = measurement(metric.id, call);
      if (value === undefined || !recordsOperation(metric.spec, call.operation)) continue;
      const series = this.series.seriesAt(slots, i, call);
      metric.record(value, series.attributes);
      if (!labels) continue;
      const bucket = metric.boundaries ? bucketIndex(value, metric.boundaries) : 0;
      if (this.reservoir.offer(metric.spec.name, series.key, bucket, { labels, value, timestampMs: exemplar!.timestampMs })) chosen = true;
    }
    return chosen;
  }
}
