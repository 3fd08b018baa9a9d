// Order statistics used by every figure.

/** Nearest-rank percentile (p in [0, 100]) of an unsorted array; NaN when empty. */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** The middle value, or the mean of the two middle values. */
export function median(values) {
  if (values.length === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** { min, median, max } of the finite values (each figure over repeats); undefined when none. */
export function spread(values) {
  const finite = values.filter((value) => Number.isFinite(value));
  if (finite.length === 0) return undefined;
  return { min: Math.min(...finite), median: median(finite), max: Math.max(...finite), n: finite.length };
}
