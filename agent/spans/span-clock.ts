// One clock for every time a model-call span records. The agent measures with performance.now()
// (monotonic: time to first chunk, chunk gaps, the abandoned-stream sweep); a span's start and end
// are those readings anchored to the wall clock once, when the span starts. Left to itself, the SDK
// would end a span whose start time was given with Date.now(): a second clock, which NTP and manual
// steps move on their own, so durations came out wrong and a span could end before it started.
export class SpanClock {
  /** Epoch milliseconds minus performance.now(), read once. */
  private readonly anchor = Date.now() - performance.now();

  /** The epoch time, in milliseconds, of a performance.now() reading. */
  at(performanceNow: number): number {
    return performanceNow + this.anchor;
  }

  now(): number {
    return this.at(performance.now());
  }
}
