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
import { GEN_AI_REQUEST_MODEL, LLM_EXEMPLAR, MODEL_CALL_SCOPE } from '../spans/semconv.js';
import { measurement, readCallFacts, readCallLabels } from './call-facts.js';
import { bucketIndex, type ExemplarReservoir } from './exemplars.js';
import type { LlmMetric } from './instruments.js';
import type { MetricId } from './names.js';

export class LlmMetricsSpanProcessor implements SpanProcessor {
  /** The label set each in-flight call was counted under, so its end subtracts from the same series. */
  private readonly inFlight = new WeakMap<Span, Attributes>();
  private activeRequests: LlmMetric | undefined;
  /** Empty until the instruments exist: the processor is built before the MeterProvider. */
  private endMetrics: LlmMetric[] = [];

  constructor(private readonly reservoir: ExemplarReservoir) {}

  useMetrics(metrics: ReadonlyMap<MetricId, LlmMetric>): void {
    this.activeRequests = metrics.get('activeRequests');
    this.endMetrics = [...metrics.values()].filter((metric) => metric.id !== 'activeRequests');
  }

  onStart(span: Span, _parentContext: Context): void {
    if (span.instrumentationScope.name !== MODEL_CALL_SCOPE) return;
    // fetch sends its body after the span has started: such a call is counted in flight once its
    // request (and so its model) is known, so the gauge never shows model="unknown" meanwhile.
    if (span.attributes[GEN_AI_REQUEST_MODEL] === undefined) return;
    this.countInFlight(span);
  }

  /** The recorder read the request after the span started (see onStart). */
  requestKnown(span: Span): void {
    if (!this.inFlight.has(span)) this.countInFlight(span);
  }

  private countInFlight(span: Span): void {
    const active = this.activeRequests;
    if (!active) return;
    guard('metrics.onStart', () => {
      const { attributes } = active.seriesFor(readCallLabels(span));
      active.record(1, attributes);
      this.inFlight.set(span, attributes);
    });
  }

  onEnding(span: Span): void {
    if (span.instrumentationScope.name !== MODEL_CALL_SCOPE) return;
    guard('metrics.onEnding', () => {
      const attributes = this.inFlight.get(span);
      if (attributes) {
        this.inFlight.delete(span);
        this.activeRequests?.record(-1, attributes);
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
    const call = readCallFacts(span);
    const context = span.spanContext();
    const sampled = (context.traceFlags & TraceFlags.SAMPLED) !== 0;
    const timestampMs = hrTimeToMilliseconds(span.endTime);
    const labels = { trace_id: context.traceId, span_id: context.spanId };
    let chosen = false;
    for (const metric of this.endMetrics) {
      const value = measurement(metric.id, call);
      if (value === undefined) continue;
      const series = metric.seriesFor(call);
      metric.record(value, series.attributes);
      if (!sampled) continue;
      const bucket = metric.boundaries ? bucketIndex(value, metric.boundaries) : 0;
      if (this.reservoir.offer(metric.spec.name, series.key, bucket, { labels, value, timestampMs })) chosen = true;
    }
    return chosen;
  }
}
