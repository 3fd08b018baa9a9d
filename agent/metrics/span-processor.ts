// Derives the LLM metrics from model-call spans, sampled or not, so counts stay exact under any
// sampling ratio. Every other span returns at the first comparison.
//
// The work happens in onEnding, not onEnd: the span is complete (duration, status, attributes) but
// still writable, so a span chosen as an exemplar can be marked llm.exemplar=true before it is
// exported. The recorder sets every attribute before it ends the span.
import { TraceFlags, type Attributes, type Context } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { guard } from '../log.js';
import { GEN_AI_REQUEST_MODEL, LLM_EXEMPLAR, MODEL_CALL_SCOPE } from '../semconv.js';
import { measurement, readCallFacts, readCallLabels } from './call-facts.js';
import { bucketIndex, type ExemplarReservoir } from './exemplars.js';
import { SeriesCache, type LlmMetric } from './instruments.js';
import { recordsOperation } from './names.js';

export class LlmMetricsSpanProcessor implements SpanProcessor {
  /** The label set each in-flight call was counted under, so its end subtracts from the same series. */
  private readonly inFlight = new WeakMap<Span, Attributes>();
  /** Model-call spans started before their request (and so their model) was known, by identity. */
  private readonly awaitingRequest = new WeakMap<object, Span>();
  /** Empty until the instruments exist: the processor is built before the MeterProvider. */
  private metrics: LlmMetric[] = [];
  private activeRequestsIndex = -1;
  private series: SeriesCache | undefined;

  constructor(
    private readonly reservoir: ExemplarReservoir,
    /** How many distinct call label sets keep their series cached (LLM_OTEL_MAX_SERIES). */
    private readonly cachedLabelSets: number,
  ) {}

  useMetrics(metrics: readonly LlmMetric[]): void {
    this.metrics = [...metrics];
    this.activeRequestsIndex = this.metrics.findIndex((metric) => metric.id === 'activeRequests');
    this.series = new SeriesCache(this.metrics, this.cachedLabelSets);
  }

  onStart(span: Span, _parentContext: Context): void {
    if (span.instrumentationScope.name !== MODEL_CALL_SCOPE) return;
    // fetch sends its body after the span has started: such a call is counted in flight once its
    // request (and so its model) is known, so the gauge never shows model="unknown" meanwhile.
    if (span.attributes[GEN_AI_REQUEST_MODEL] === undefined) this.awaitingRequest.set(span, span);
    else this.countInFlight(span);
  }

  /**
   * The recorder read the request of a span it started earlier (see onStart). It holds the span
   * through the API's interface; the processor finds its own view of it by identity.
   */
  requestKnown(span: object): void {
    const started = this.awaitingRequest.get(span);
    if (started === undefined) return;
    this.awaitingRequest.delete(span);
    this.countInFlight(started);
  }

  private countInFlight(span: Span): void {
    const index = this.activeRequestsIndex;
    const series = this.series;
    if (index < 0 || !series) return;
    guard('metrics.onStart', () => {
      const call = readCallLabels(span);
      const { attributes } = series.seriesAt(series.slotsFor(call), index, call);
      this.metrics[index]!.record(1, attributes);
      this.inFlight.set(span, attributes);
    });
  }

  onEnding(span: Span): void {
    if (span.instrumentationScope.name !== MODEL_CALL_SCOPE) return;
    guard('metrics.onEnding', () => {
      this.awaitingRequest.delete(span);
      const attributes = this.inFlight.get(span);
      if (attributes) {
        this.inFlight.delete(span);
        this.metrics[this.activeRequestsIndex]?.record(-1, attributes);
      }
      if (this.recordEnded(span)) span.setAttribute(LLM_EXEMPLAR, true);
    });
  }

  onEnd(_span: ReadableSpan): void {
    // Everything was recorded in onEnding.
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** Records the call in every metric it applies to; returns whether it became an exemplar. */
  private recordEnded(span: Span): boolean {
    if (!this.series) return false;
    const call = readCallFacts(span);
    const slots = this.series.slotsFor(call);
    const context = span.spanContext();
    const sampled = (context.traceFlags & TraceFlags.SAMPLED) !== 0;
    const timestampMs = hrTimeToMilliseconds(span.endTime);
    const labels = { trace_id: context.traceId, span_id: context.spanId };
    let chosen = false;
    for (let i = 0; i < this.metrics.length; i++) {
      const metric = this.metrics[i]!;
      const value = measurement(metric.id, call);
      if (value === undefined || !recordsOperation(metric.spec, call.operation)) continue;
      const series = this.series.seriesAt(slots, i, call);
      metric.record(value, series.attributes);
      if (!sampled) continue;
      const bucket = metric.boundaries ? bucketIndex(value, metric.boundaries) : 0;
      if (this.reservoir.offer(metric.spec.name, series.key, bucket, { labels, value, timestampMs })) chosen = true;
    }
    return chosen;
  }
}
