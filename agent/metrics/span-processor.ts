// Derives the LLM metrics from model-call spans, sampled or not, so counts stay exact under any
// sampling ratio. Every other span returns at the first comparison. What a span says is read here
// (call-facts.ts) and handed to a sink (call-sink.ts): this thread's recorder, or the forwarder of a
// worker whose calls are recorded by the main thread or the cluster's primary.
//
// The work happens in onEnding, not onEnd: the span is complete (duration, status, attributes) but
// still writable, so a span chosen as an exemplar can be marked llm.exemplar=true before it is
// exported. The recorder sets every attribute before it ends the span.
import { TraceFlags, type Context } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { guard } from '../log.js';
import { GEN_AI_REQUEST_MODEL, LLM_EXEMPLAR, MODEL_CALL_SCOPE } from '../semconv.js';
import { readCallFacts, readCallLabels } from './call-facts.js';
import type { CallSink, ExemplarRef, InFlight } from './call-sink.js';

export class LlmMetricsSpanProcessor implements SpanProcessor {
  /** Each in-flight call's place in the gauge, so its end subtracts from the same series. */
  private readonly inFlight = new WeakMap<Span, InFlight>();
  /** Model-call spans started before their request (and so their model) was known, by identity. */
  private readonly awaitingRequest = new WeakMap<object, Span>();

  constructor(private readonly sink: CallSink) {}

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
    guard('metrics.onStart', () => {
      const inFlight = this.sink.started(readCallLabels(span));
      if (inFlight) this.inFlight.set(span, inFlight);
    });
  }

  onEnding(span: Span): void {
    if (span.instrumentationScope.name !== MODEL_CALL_SCOPE) return;
    guard('metrics.onEnding', () => {
      this.awaitingRequest.delete(span);
      const inFlight = this.inFlight.get(span);
      if (inFlight) this.inFlight.delete(span);
      const context = span.spanContext();
      const exemplar: ExemplarRef | undefined =
        (context.traceFlags & TraceFlags.SAMPLED) !== 0
          ? { traceId: context.traceId, spanId: context.spanId, timestampMs: hrTimeToMilliseconds(span.endTime) }
          : undefined;
      if (this.sink.ended(readCallFacts(span), exemplar, inFlight)) span.setAttribute(LLM_EXEMPLAR, true);
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
}
