// Records model calls into the instruments: the one place where counts, histogram buckets, the
// in-flight gauge and exemplars are written, for the calls of this thread (through the span
// processor) and for those its workers send (remote/receiver.ts) alike.
import type { CallFacts, CallLabels } from './call-facts.js';
import { measurement } from './call-facts.js';
import type { CallSink, ExemplarRef, InFlight } from './call-sink.js';
import { bucketIndex, type ExemplarReservoir } from './exemplars.js';
import { SeriesCache, type LlmMetric } from './instruments.js';
import { recordsOperation } from './names.js';
import type { Series } from './series.js';

/** A call in the gauge: the series it was counted under, so its end subtracts from the same one. */
class ActiveCall implements InFlight {
  private counted = true;

  constructor(private readonly series: Series) {}

  leave(): void {
    if (!this.counted) return;
    this.counted = false;
    this.series.add(-1);
  }
}

export class CallRecorder implements CallSink {
  private readonly activeRequestsIndex: number;
  private readonly series: SeriesCache;

  constructor(
    /** One per instrument row; a row split by operation (the opt-in's inference duration) gives several with one id. */
    private readonly metrics: readonly LlmMetric[],
    private readonly reservoir: ExemplarReservoir,
    /** How many distinct call label sets keep their series cached (LLM_OTEL_MAX_SERIES). */
    cachedLabelSets: number,
  ) {
    this.activeRequestsIndex = metrics.findIndex((metric) => metric.id === 'activeRequests');
    this.series = new SeriesCache(metrics, cachedLabelSets);
  }

  started(labels: CallLabels): InFlight | undefined {
    const index = this.activeRequestsIndex;
    if (index < 0) return undefined;
    const series = this.series.seriesAt(this.series.slotsFor(labels), index, labels);
    series.add(1);
    return new ActiveCall(series);
  }

  ended(call: CallFacts, exemplar: ExemplarRef | undefined, inFlight: InFlight | undefined): boolean {
    inFlight?.leave();
    const slots = this.series.slotsFor(call);
    const labels = exemplar ? { trace_id: exemplar.traceId, span_id: exemplar.spanId } : undefined;
    let chosen = false;
    for (let i = 0; i < this.metrics.length; i++) {
      const metric = this.metrics[i]!;
      const value = measurement(metric.id, call);
      if (value === undefined || !recordsOperation(metric.spec, call.operation)) continue;
      const series = this.series.seriesAt(slots, i, call);
      const bucket = metric.boundaries ? bucketIndex(value, metric.boundaries) : 0;
      if (metric.boundaries) series.observe(value, bucket);
      else series.add(value);
      if (!labels) continue;
      series.exemplars ??= this.reservoir.slotsOf(metric.instrument.name, series.key);
      if (this.reservoir.offerInto(series.exemplars, bucket, { labels, value, timestampMs: exemplar!.timestampMs })) {
        series.changed();
        chosen = true;
      }
    }
    return chosen;
  }
}
