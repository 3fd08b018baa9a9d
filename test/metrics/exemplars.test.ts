import { describe, expect, it } from 'vitest';
import { bucketIndex, ExemplarReservoir, type Exemplar } from '../../agent/metrics/exemplars.js';
import { seriesKey } from '../../agent/metrics/series-key.js';

const exemplar = (spanId: string): Exemplar => ({ labels: { trace_id: 't', span_id: spanId }, value: 1, timestampMs: 0 });

describe('bucketIndex', () => {
  it('counts a value equal to a boundary in that bucket, as `le` means, and anything above the last in +Inf', () => {
    const boundaries = [0.05, 0.1, 0.2];
    expect(bucketIndex(0, boundaries)).toBe(0);
    expect(bucketIndex(0.05, boundaries)).toBe(0);
    expect(bucketIndex(0.0500001, boundaries)).toBe(1);
    expect(bucketIndex(0.2, boundaries)).toBe(2);
    expect(bucketIndex(7, boundaries)).toBe(3);
  });
});

describe('ExemplarReservoir', () => {
  it('keeps one exemplar per slot and lets a newer one in only once the refresh interval has passed', () => {
    let now = 1_000;
    const reservoir = new ExemplarReservoir(15_000, () => now);
    const attributes = { model: 'm', provider: 'p' };
    const key = seriesKey(attributes);
    expect(reservoir.offer('llm_requests_total', key, 0, exemplar('a'))).toBe(true);
    now += 14_999;
    expect(reservoir.offer('llm_requests_total', key, 0, exemplar('b'))).toBe(false);
    expect(reservoir.offer('llm_requests_total', key, 1, exemplar('c'))).toBe(true);
    expect(reservoir.exemplarsFor('llm_requests_total', attributes)?.get(0)?.labels.span_id).toBe('a');
    now += 1;
    expect(reservoir.offer('llm_requests_total', key, 0, exemplar('d'))).toBe(true);
    // Found whatever the order of the attributes' keys.
    expect(reservoir.exemplarsFor('llm_requests_total', { provider: 'p', model: 'm' })?.get(0)?.labels.span_id).toBe('d');
    expect(reservoir.exemplarsFor('llm_errors_total', attributes)).toBeUndefined();
  });
});
