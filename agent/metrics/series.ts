// The agent's own accumulators for the span-derived LLM metrics: one Instrument per instrument name,
// one Series per label set it was recorded under. They replace the SDK's synchronous instruments for
// these metrics because those cost the hot path and the scrape more than the data needs:
// - a record hashed its attributes every time (about 27 µs a call in the model-call profile); here a
//   call's series are found once per label set (instruments.ts, SeriesCache) and a record is a few adds;
// - a collect() walked every series synchronously at every scrape (the loop held 14 ms at 1,000 label
//   sets); here the exposition is written from the series themselves, each keeping its bytes until it
//   changes (series-exposition.ts), in slices the endpoint yields between.
// OTLP and console readers get the same figures as MetricData through producer.ts.
import type { Attributes } from '@opentelemetry/api';
import type { CardinalityGuard } from './cardinality.js';
import type { Exemplar } from './exemplars.js';
import type { MetricName } from './names.js';
import { seriesKey } from './series-key.js';

/**
 * A series' exposition in one format, as UTF-8 bytes, with the version of the series it was written
 * at. Bytes, not a string: a kept string is a rope of hundreds of small strings the collector walks
 * and the socket re-encodes at every scrape. The buffer is rewritten in place while the text fits,
 * so a series that changes at every scrape leaves no new long-lived object behind for the
 * collector to promote and mark (a full rewrite of a thousand label sets drove major collections).
 */
export interface RenderedText {
  version: number;
  bytes: Buffer;
  /** How much of `bytes` holds the text; the rest is room to grow. */
  length: number;
}

/** A series' label text as the exposition writes it, encoded once (series-exposition.ts). */
export interface SeriesLabelBytes {
  /** `{name="value",…}`, or nothing for a series without labels. */
  braced: Buffer;
  /** `{name="value",…,` before a bucket's `le`, or `{`. */
  bucketOpen: Buffer;
}

export class Series {
  /** Counter and up-down counter: the running sum. */
  value = 0;
  /** Histogram: observations per bucket (the last is +Inf), their sum, count, least and greatest. */
  readonly counts: number[] | undefined;
  sum = 0;
  count = 0;
  min = Infinity;
  max = -Infinity;
  /** Bumped by every change; a cached text of an older version is rewritten. */
  version = 0;
  /** Exemplars by bucket index (0 for a counter), owned by the reservoir; undefined until one is kept. */
  exemplars: Map<number, Exemplar> | undefined;
  /** The exposition's caches (series-exposition.ts): the label text, encoded once, and the bytes of each format. */
  labelBytes: SeriesLabelBytes | undefined;
  openMetricsText: RenderedText | undefined;
  plainText: RenderedText | undefined;

  constructor(
    readonly instrument: Instrument,
    readonly attributes: Attributes,
    /** seriesKey(attributes): what the guard counted and the reservoir files its exemplars by. */
    readonly key: string,
    /** When the series was first recorded: the start of its cumulative points. */
    readonly startTimeMs: number,
  ) {
    const boundaries = instrument.boundaries;
    this.counts = boundaries ? new Array<number>(boundaries.length + 1).fill(0) : undefined;
  }

  /** A counter's or an up-down counter's increment. */
  add(value: number): void {
    this.value += value;
    this.version++;
  }

  /** A histogram observation, in the bucket the caller found (bucketIndex), which the exemplar shares. */
  observe(value: number, bucket: number): void {
    this.counts![bucket]!++;
    this.sum += value;
    this.count++;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    this.version++;
  }

  changed(): void {
    this.version++;
  }
}

/** One instrument name: its spec, its guard and its series, in the order they were first recorded. */
export class Instrument {
  readonly series = new Map<string, Series>();

  constructor(
    readonly spec: MetricName,
    /** Histogram boundaries; undefined for counters. */
    readonly boundaries: readonly number[] | undefined,
    readonly guard: CardinalityGuard,
    private readonly now: () => number = Date.now,
  ) {}

  get name(): string {
    return this.spec.name;
  }

  /** The series of a label set, created on its first record. */
  seriesOf(attributes: Attributes, key: string = seriesKey(attributes)): Series {
    let series = this.series.get(key);
    if (series === undefined) {
      series = new Series(this, attributes, key, this.now());
      this.series.set(key, series);
    }
    return series;
  }
}
