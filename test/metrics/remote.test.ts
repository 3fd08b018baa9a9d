// The mechanism behind worker threads and cluster workers, in one process: a worker's span processor
// hands its calls to a forwarder, whose messages (structured-cloned as a MessagePort does, or through
// JSON as cluster IPC does) a receiver feeds to the recorder the local span processor uses. Counts,
// buckets, the in-flight gauge and exemplars must come out as if the calls had been recorded locally.
import { afterEach, describe, expect, it } from 'vitest';
import type { Histogram } from '@opentelemetry/sdk-metrics';
import type { CallFacts } from '../../agent/metrics/call-facts.js';
import { ExemplarPreselect, Forwarder } from '../../agent/metrics/remote/forwarder.js';
import { readCallMessage, type CallMessage } from '../../agent/metrics/remote/messages.js';
import { PeerReceiver } from '../../agent/metrics/remote/receiver.js';
import { DEFAULT_METRICS_OPTIONS } from '../../agent/metrics/options.js';
import { LLM_EXEMPLAR } from '../../agent/semconv.js';
import { createHarness, metricNamed, streamedCall, total, type Harness } from './harness.js';

let harness: Harness;
afterEach(() => harness?.shutdown());

const CARRIERS = {
  'structured clone (MessagePort)': (message: CallMessage): unknown => structuredClone(message),
  'JSON (cluster IPC)': (message: CallMessage): unknown => JSON.parse(JSON.stringify(message)),
};

/** A harness whose spans are a worker's: forwarded, carried, received, recorded. */
function workerHarness(carry: (message: CallMessage) => unknown = CARRIERS['structured clone (MessagePort)']) {
  let receiver: PeerReceiver | undefined;
  let forwarder: Forwarder | undefined;
  harness = createHarness({}, undefined, (recorder) => {
    receiver = new PeerReceiver(recorder);
    forwarder = new Forwarder(new ExemplarPreselect(DEFAULT_METRICS_OPTIONS));
    return forwarder;
  });
  return { harness, receiver: receiver!, forwarder: forwarder!, connect: () => forwarder!.connect((message) => receiver!.receive(carry(message))) };
}

describe.each(Object.entries(CARRIERS))('a worker\'s calls, carried by %s', (_name, carry) => {
  it('are counted once each, by outcome, with every bucket and token', async () => {
    const worker = workerHarness(carry);
    worker.connect();
    for (let i = 0; i < 20; i++) harness.call(streamedCall({ sampled: i % 2 === 0 }));
    harness.call(streamedCall({ errorType: '500', outputTokens: undefined, firstChunkS: undefined, chunkCount: undefined }));
    const collected = await harness.collect();
    expect(total(metricNamed(collected, 'llm_requests_total'))).toBe(21);
    expect(total(metricNamed(collected, 'llm_errors_total'))).toBe(1);
    expect(total(metricNamed(collected, 'llm_generation_latency_seconds'))).toBe(21);
    expect(total(metricNamed(collected, 'llm_first_token_latency_seconds'))).toBe(20);
    expect(total(metricNamed(collected, 'llm_tokens_generated_total'))).toBe(20 * 40);
    expect(total(metricNamed(collected, 'llm_active_requests'))).toBe(0);
    const firstToken = metricNamed(collected, 'llm_first_token_latency_seconds')!.dataPoints[0]!.value as Histogram;
    expect(firstToken.sum).toBeCloseTo(20 * 0.15, 9);
  });

  it('have exemplars only from sampled spans the worker marked llm.exemplar=true', async () => {
    workerHarness(carry).connect();
    const sampled = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const context = harness.call(streamedCall({ sampled: i % 3 === 0, firstChunkS: 0.05 + (i % 5) * 0.2 }));
      if (i % 3 === 0) sampled.add(context.spanId);
    }
    const marked = new Set(harness.spans().filter((span) => span.attributes[LLM_EXEMPLAR] === true).map((span) => span.spanContext().spanId));
    expect(marked.size).toBeGreaterThan(0);
    for (const spanId of marked) expect(sampled.has(spanId)).toBe(true);
    const collected = await harness.collect();
    let seen = 0;
    for (const name of ['llm_first_token_latency_seconds', 'llm_requests_total']) {
      for (const point of metricNamed(collected, name)!.dataPoints) {
        for (const exemplar of harness.llm.exemplars.exemplarsFor(name, point.attributes)?.values() ?? []) {
          seen++;
          expect(marked.has(exemplar.labels.span_id!), `exemplar span ${exemplar.labels.span_id} is marked`).toBe(true);
        }
      }
    }
    expect(seen).toBeGreaterThan(1);
  });
});

describe('calls in flight', () => {
  it('are counted when the request is known and taken out when the call ends', async () => {
    const worker = workerHarness();
    worker.connect();
    const ends = [harness.start(streamedCall()), harness.start(streamedCall({ requestModel: 'late', requestModelLate: true })), harness.start(streamedCall())];
    expect(total(metricNamed(await harness.collect(), 'llm_active_requests'))).toBe(3);
    expect(worker.receiver.inFlightCount).toBe(3);
    ends[1]!();
    expect(total(metricNamed(await harness.collect(), 'llm_active_requests'))).toBe(2);
    for (const end of [ends[0]!, ends[2]!]) end();
    const collected = await harness.collect();
    expect(total(metricNamed(collected, 'llm_active_requests'))).toBe(0);
    expect(total(metricNamed(collected, 'llm_requests_total'))).toBe(3);
  });

  it('leave the gauge when their worker goes; what it ended stays counted, and a late end still counts', async () => {
    const worker = workerHarness();
    worker.connect();
    harness.call(streamedCall());
    const open = [harness.start(streamedCall()), harness.start(streamedCall())];
    expect(total(metricNamed(await harness.collect(), 'llm_active_requests'))).toBe(2);
    worker.receiver.peerGone();
    let collected = await harness.collect();
    expect(total(metricNamed(collected, 'llm_active_requests'))).toBe(0);
    expect(total(metricNamed(collected, 'llm_requests_total'))).toBe(1);
    // Its exit came before its last messages (cluster 'exit' may precede the channel's end).
    open[0]!();
    harness.start(streamedCall()); // a start read after the worker was given up would never end
    collected = await harness.collect();
    expect(total(metricNamed(collected, 'llm_requests_total'))).toBe(2);
    expect(total(metricNamed(collected, 'llm_active_requests'))).toBe(0);
    worker.receiver.peerGone(); // idempotent
    expect(total(metricNamed(await harness.collect(), 'llm_active_requests'))).toBe(0);
  });

  it('are held, in order, until the transport connects (a cluster worker awaiting its primary)', async () => {
    const worker = workerHarness();
    const open = harness.start(streamedCall());
    harness.call(streamedCall());
    expect(total(metricNamed(await harness.collect(), 'llm_requests_total'))).toBe(0);
    worker.connect();
    let collected = await harness.collect();
    expect(total(metricNamed(collected, 'llm_requests_total'))).toBe(1);
    expect(total(metricNamed(collected, 'llm_active_requests'))).toBe(1);
    open();
    collected = await harness.collect();
    expect(total(metricNamed(collected, 'llm_requests_total'))).toBe(2);
    expect(total(metricNamed(collected, 'llm_active_requests'))).toBe(0);
  });
});

describe('what a receiver accepts', () => {
  const facts: CallFacts = { requestModel: 'm', provider: 'openai', operation: 'chat', serviceName: 's', durationS: 1.5, firstChunkS: 0.2, outputTokens: 4 };
  const exemplar = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), timestampMs: 1_764_300_000_000 };

  it('rebuilds a message from its known fields only', () => {
    expect(readCallMessage({ k: 'end', id: 3, facts: { ...facts, extra: 'x', __proto__: { polluted: true } }, exemplar, more: 1 })).toEqual({
      k: 'end',
      id: 3,
      facts: { ...facts, responseModel: undefined, errorType: undefined, timePerChunkS: undefined, inputTokens: undefined },
      exemplar,
    });
    expect(readCallMessage({ k: 'start', id: 1, labels: { provider: 'openai', operation: 'chat', serviceName: 's' } })).toMatchObject({ k: 'start', id: 1 });
    expect(readCallMessage({ k: 'drop', id: 2 })).toEqual({ k: 'drop', id: 2 });
    // A malformed exemplar is left out, the call still counts.
    expect(readCallMessage({ k: 'end', facts, exemplar: { ...exemplar, traceId: 'not hex' } })).toMatchObject({ k: 'end', exemplar: undefined });
  });

  it.each([
    ['nothing', undefined],
    ['a string', 'end'],
    ['an unknown kind', { k: 'flush' }],
    ['a start without labels', { k: 'start', id: 1 }],
    ['a start with a fractional id', { k: 'start', id: 1.5, labels: { provider: 'p', operation: 'o', serviceName: 's' } }],
    ['an end without a duration', { k: 'end', facts: { provider: 'p', operation: 'o', serviceName: 's' } }],
    ['an end with a negative token count', { k: 'end', facts: { ...facts, outputTokens: -1 } }],
    ['an end with a number for a model', { k: 'end', facts: { ...facts, requestModel: 42 } }],
    ['an application\'s own message', { type: 'prom-client:getMetricsReq', requestId: 1 }],
  ])('ignores %s, and records nothing', async (_what, value) => {
    const worker = workerHarness();
    expect(readCallMessage(value)).toBeUndefined();
    worker.receiver.receive(value);
    expect(total(metricNamed(await harness.collect(), 'llm_requests_total'))).toBe(0);
  });
});

describe('the worker\'s choice of exemplars', () => {
  const call = (model: string, firstChunkS = 0.2): CallFacts => ({ requestModel: model, provider: 'openai', operation: 'chat', serviceName: 's', durationS: 1, firstChunkS });

  it('keeps one span per metric, label set and bucket for each refresh interval', () => {
    let now = 0;
    const preselect = new ExemplarPreselect({ ...DEFAULT_METRICS_OPTIONS, exemplarRefreshMs: 15_000 }, () => now);
    expect(preselect.choose(call('a'), 0)).toBe(true);
    expect(preselect.choose(call('a'), 0)).toBe(false);
    expect(preselect.choose(call('a', 3), 0)).toBe(true); // another first-token bucket
    expect(preselect.choose(call('b'), 0)).toBe(true); // another label set
    now = 15_000;
    expect(preselect.choose(call('a'), 0)).toBe(true);
  });

  it('files label sets beyond LLM_OTEL_MAX_SERIES together, so a flood of model names stays bounded', () => {
    const preselect = new ExemplarPreselect({ ...DEFAULT_METRICS_OPTIONS, maxSeries: 2 }, () => 0);
    expect(preselect.choose(call('a'), 0)).toBe(true);
    expect(preselect.choose(call('b'), 0)).toBe(true);
    expect(preselect.choose(call('c'), 0)).toBe(true);
    expect(preselect.choose(call('d'), 0)).toBe(false);
  });
});
