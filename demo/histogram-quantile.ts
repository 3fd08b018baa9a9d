// Quantiles from cumulative histogram buckets, computed as Prometheus's histogram_quantile() does:
// find the bucket the rank falls in and interpolate linearly inside it. So the demo's p50/p95 are
// the numbers a dashboard would show for the same buckets, not exact sample quantiles.

export interface CumulativeBucket {
  /** Upper bound; Infinity for the +Inf bucket. */
  le: number;
  /** Observations at or below `le`. */
  count: number;
}

/** The q-quantile (0 ≤ q ≤ 1), or undefined when there are no observations. */
export function histogramQuantile(q: number, buckets: readonly CumulativeBucket[]): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0 || sorted.at(-1)!.le !== Infinity) return undefined;
  const rank = q * total;
  const index = sorted.findIndex((bucket) => bucket.count >= rank);
  // Above the highest finite bound nothing is known: Prometheus answers with that bound.
  if (sorted[index]!.le === Infinity) return sorted.at(-2)?.le;
  const upper = sorted[index]!;
  const lowerBound = index === 0 ? Math.min(0, upper.le) : sorted[index - 1]!.le;
  const countBelow = index === 0 ? 0 : sorted[index - 1]!.count;
  const inBucket = upper.count - countBelow;
  if (inBucket === 0) return upper.le;
  return lowerBound + ((upper.le - lowerBound) * (rank - countBelow)) / inBucket;
}

/** Adds up the buckets of several series (one per label set) by bound, as `sum by (le)` does. */
export function sumBuckets(series: ReadonlyArray<readonly CumulativeBucket[]>): CumulativeBucket[] {
  const byBound = new Map<number, number>();
  for (const buckets of series) {
    for (const { le, count } of buckets) byBound.set(le, (byBound.get(le) ?? 0) + count);
  }
  return [...byBound].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}
