// Where the metrics of a model call go once its span has been read: recorded into this process's
// instruments (recorder.ts), or sent to the thread or process that records them for the whole
// service (remote/forwarder.ts). The span processor talks to one of these and knows no more.
import type { CallFacts, CallLabels } from './call-facts.js';

/** The span behind a sampled call, offered as the exemplar of what the call recorded. */
export interface ExemplarRef {
  traceId: string;
  spanId: string;
  /** When the span ended, epoch ms. */
  timestampMs: number;
}

/** A call counted in llm_active_requests. */
export interface InFlight {
  /** Takes the call out of the gauge without recording an end (its worker died); idempotent. */
  leave(): void;
}

export interface CallSink {
  /** The call's request is known: count it in flight. Undefined when nothing is counted (no instruments yet). */
  started(labels: CallLabels): InFlight | undefined;
  /**
   * The call ended: takes it out of the gauge (`inFlight`, from started) and records it. `exemplar`
   * is given only for a sampled span. Returns whether the span became an exemplar, so the caller
   * marks it llm.exemplar=true before it is exported.
   */
  ended(facts: CallFacts, exemplar: ExemplarRef | undefined, inFlight: InFlight | undefined): boolean;
}
