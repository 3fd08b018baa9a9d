// One clock for every time a model-call span records. The agent measures with performance.now()
// (monotonic: time to first chunk, chunk gaps, the abandoned-stream sweep); a span's start and end
// are those readings anchored to the wall clock once, when the span starts. Left to itself, the SDK
// would end a span whose start time was given with Date.now(): a second clock, which NTP and manual
// steps move on their own, so durations came out wrong and a span could end before it started.
//
// The anchor is performance.timeOrigin, as the SDK's own spans use (an inbound span and the model
// span in it then share one clock), for as long as Date.now() agrees with it. Date.now() is whole
// milliseconds: anchored on it, every start time was up to 1 ms early (0.5 ms on average, the
// bench's time-to-first-token error). Once the wall clock was stepped away from the origin, spans
// follow the wall clock, at its millisecond precision.

/** Date.now() truncates to whole milliseconds; read after performance.now(), it may also run a little later. */
const TRUNCATION_MS = 1;
const READ_SLACK_MS = 0.5;

export class SpanClock {
  /** Epoch milliseconds minus performance.now(), read once. */
  private readonly anchor = wallClockAnchor();

  /** The epoch time, in milliseconds, of a performance.now() reading. */
  at(performanceNow: number): number {
    return performanceNow + this.anchor;
  }

  now(): number {
    return this.at(performance.now());
  }
}

function wallClockAnchor(): number {
  const monotonic = performance.now();
  const wall = Date.now();
  const origin = performance.timeOrigin;
  const drift = wall - (origin + monotonic);
  return drift >= -TRUNCATION_MS - READ_SLACK_MS && drift <= READ_SLACK_MS ? origin : wall - monotonic;
}
