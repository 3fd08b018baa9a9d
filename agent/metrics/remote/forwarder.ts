// The worker's side: instead of recording into instruments of its own, the span processor of a
// worker thread or cluster worker hands each call here, and it becomes one message (messages.ts) to
// the side that records the service's calls. Nothing happens per stream chunk: a message when the
// call is counted in flight, one when it ends.
//
// Exemplars: a span can only be marked llm.exemplar=true (so a tail-sampling collector keeps its
// trace) while it ends, here, before the recording side has seen it. So the worker chooses: each
// sampled call is offered to a reservoir of its own with the recorder's refresh policy (one span per
// metric, label set and bucket per refresh interval, 15 s); a span it keeps is marked
// and sent as the exemplar, and the recording side takes exemplars only from such spans. Every
// exemplar then still points to a kept trace; the cost is at most one marked span per slot and
// interval per worker rather than per service.
import type { CallFacts, CallLabels } from '../call-facts.js';
import { measurement } from '../call-facts.js';
import type { CallSink, ExemplarRef, InFlight } from '../call-sink.js';
import { bucketIndex, ExemplarReservoir } from '../exemplars.js';
import { callLabelsKey } from '../instruments.js';
import { metricsFor, type MetricId } from '../names.js';
import type { LlmMetricsOptions } from '../options.js';
import type { CallMessage } from './messages.js';

/** Messages held until the transport is connected (a cluster worker waits for its primary's answer). */
const MAX_QUEUED = 10_000;
/** The reservoir key of label sets beyond LLM_OTEL_MAX_SERIES, so a flood of model names stays bounded. */
const OVERFLOW_KEY = 'other';
const NO_LABELS: Readonly<Record<string, string>> = {};

/** Chooses which sampled calls of this worker become exemplars (see the top of the file). */
export class ExemplarPreselect {
  private readonly reservoir: ExemplarReservoir;
  private readonly metrics: ReadonlyArray<{ id: MetricId; boundaries: readonly number[] | undefined }>;
  private readonly labelSets = new Set<string>();

  constructor(
    private readonly options: LlmMetricsOptions,
    now: () => number = Date.now,
  ) {
    this.reservoir = new ExemplarReservoir(options.exemplarRefreshMs, now);
    this.metrics = metricsFor(options.naming).map(({ id, metric }) => ({
      id,
      boundaries: metric.buckets ? options.buckets[metric.buckets] : undefined,
    }));
  }

  choose(call: CallFacts, timestampMs: number): boolean {
    let key = callLabelsKey(call);
    if (!this.labelSets.has(key)) {
      if (this.labelSets.size < this.options.maxSeries) this.labelSets.add(key);
      else key = OVERFLOW_KEY;
    }
    let chosen = false;
    for (const { id, boundaries } of this.metrics) {
      const value = measurement(id, call);
      if (value === undefined) continue;
      const bucket = boundaries ? bucketIndex(value, boundaries) : 0;
      if (this.reservoir.offer(id, key, bucket, { labels: NO_LABELS, value, timestampMs })) chosen = true;
    }
    return chosen;
  }
}

/** A forwarded call in flight: its end carries its id, so the recording side takes it out of the gauge. */
class ForwardedCall implements InFlight {
  settled = false;

  constructor(
    readonly id: number,
    private readonly forwarder: Forwarder,
  ) {}

  leave(): void {
    if (this.settled) return;
    this.settled = true;
    this.forwarder.post({ k: 'drop', id: this.id });
  }
}

export class Forwarder implements CallSink {
  private send: ((message: CallMessage) => void) | undefined;
  private queue: CallMessage[] = [];
  private overflowed = false;
  private lastId = 0;

  constructor(
    private readonly preselect: ExemplarPreselect,
    private readonly onOverflow: () => void = () => {},
  ) {}

  /** From now on messages go to `send`; those held so far go first, in order. */
  connect(send: (message: CallMessage) => void): void {
    const held = this.queue;
    this.queue = [];
    this.send = send;
    for (const message of held) send(message);
  }

  started(labels: CallLabels): InFlight {
    const id = ++this.lastId;
    this.post({ k: 'start', id, labels });
    return new ForwardedCall(id, this);
  }

  ended(facts: CallFacts, exemplar: ExemplarRef | undefined, inFlight: InFlight | undefined): boolean {
    const chosen = exemplar !== undefined && this.preselect.choose(facts, exemplar.timestampMs);
    let id: number | undefined;
    if (inFlight instanceof ForwardedCall && !inFlight.settled) {
      inFlight.settled = true;
      id = inFlight.id;
    }
    this.post({ k: 'end', id, facts, exemplar: chosen ? exemplar : undefined });
    return chosen;
  }

  post(message: CallMessage): void {
    if (this.send) return this.send(message);
    if (this.queue.length < MAX_QUEUED) {
      this.queue.push(message);
    } else if (!this.overflowed) {
      this.overflowed = true;
      this.onOverflow();
    }
  }
}
