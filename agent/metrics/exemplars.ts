// Exemplars kept beside the SDK instruments: at most one per (metric, label set, bucket), merged into
// the OpenMetrics output at scrape time. Only sampled spans are offered, so every exemplar points to
// a trace that was exported.
//
// Refresh policy: a slot takes a newer span only once its exemplar is older than `refreshMs`
// (default 15 s, Prometheus's default scrape interval). Compared with always keeping the newest span,
// this bounds how many spans get marked llm.exemplar=true (one per slot per interval), so a
// tail-sampling collector keeps a bounded number of traces, and a marked span is likely to be seen
// by at least one scrape before it is replaced. Compared with reservoir sampling, which has no notion
// of time, exemplars keep pointing at recent traces, still within the trace backend's retention.
// The number of slots is bounded by the cardinality guard: label sets are the guarded ones.
import type { Attributes } from '@opentelemetry/api';
import { seriesKey } from './series-key.js';

export interface Exemplar {
  /** Exemplar labels; the reservoir writes trace_id and span_id. */
  labels: Readonly<Record<string, string>>;
  value: number;
  timestampMs: number;
  /** Its exposition text and bytes, written once by the serializers (exposition-text.ts, series-exposition.ts) and kept with it. */
  text?: string;
  bytes?: Buffer;
}

/** What the serializer asks at scrape time, once per series. */
export interface ExemplarLookup {
  /** A series' exemplars by histogram bucket index (0 for a counter), or undefined when it has none. */
  exemplarsFor(instrumentName: string, attributes: Attributes): ReadonlyMap<number, Exemplar> | undefined;
}

/** Index of the bucket a value falls in, as the SDK counts it: the first boundary >= value, else +Inf. */
export function bucketIndex(value: number, boundaries: readonly number[]): number {
  for (let i = 0; i < boundaries.length; i++) if (value <= boundaries[i]!) return i;
  return boundaries.length;
}

interface Slot extends Exemplar {
  keptAtMs: number;
}

export class ExemplarReservoir implements ExemplarLookup {
  /** instrument name → series key → bucket index → slot */
  private readonly slots = new Map<string, Map<string, Map<number, Exemplar>>>();

  constructor(
    private readonly refreshMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps the exemplar if its slot is empty or stale; returns whether it was kept. */
  offer(instrumentName: string, series: string, bucket: number, exemplar: Exemplar): boolean {
    return this.offerInto(this.slotsOf(instrumentName, series), bucket, exemplar);
  }

  /** One series' slots by bucket, created empty: the recorder keeps them on its series (series.ts). */
  slotsOf(instrumentName: string, series: string): Map<number, Exemplar> {
    let bySeries = this.slots.get(instrumentName);
    if (!bySeries) this.slots.set(instrumentName, (bySeries = new Map()));
    let byBucket = bySeries.get(series);
    if (!byBucket) bySeries.set(series, (byBucket = new Map()));
    return byBucket;
  }

  /** offer() into slots from slotsOf(), without finding them again. */
  offerInto(slots: Map<number, Exemplar>, bucket: number, exemplar: Exemplar): boolean {
    const now = this.now();
    const current = slots.get(bucket) as Slot | undefined;
    if (current && now - current.keptAtMs < this.refreshMs) return false;
    const slot: Slot = { ...exemplar, keptAtMs: now };
    slots.set(bucket, slot);
    return true;
  }

  exemplarsFor(instrumentName: string, attributes: Attributes): ReadonlyMap<number, Exemplar> | undefined {
    return this.slots.get(instrumentName)?.get(seriesKey(attributes));
  }
}
