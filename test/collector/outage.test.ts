// The collector stops for 20 s in the middle of the load and comes back. The service under the agent
// answers as before and as fast, its memory stays bounded, spans finished after the collector's
// return arrive, and the spans lost are what the agent's bounded queue explains. The collector runs
// otel-collector.yaml with the probabilistic share at 100 %, so every span it receives is stored and
// the store counts exactly what got through.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startModelSimulator, type ModelSimulator } from '../../demo/simulator/index.js';
import { startApp, stopAll, type ChildApp } from '../helpers/child-app.js';
import { startCollector, stopAllCollectors, type RunningCollector } from '../helpers/collector.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

const APP = readFileSync(new URL('./load-app.mjs', import.meta.url), 'utf8');
const QUEUE = 100;
const BEFORE_MS = 5000;
const OUTAGE_MS = 20_000;
const AFTER_MS = 8000;
/** The first-chunk delays load-app.mjs asks for, call i taking FIRST_CHUNK_MS[i % 4]. */
const FIRST_CHUNK_MS = [5, 30, 120, 400];

interface CallLine {
  i: number;
  startedAt: number;
  endedAt: number;
  ok: boolean;
}
interface MemLine {
  at: number;
  heapUsed: number;
}

let sim: ModelSimulator;
let store: OtlpReceiver;
let collector: RunningCollector;
let app: ChildApp;
let downAt = 0;
let upAt = 0;

const linesOf = <T>(prefix: string): T[] =>
  app.stdout.split('\n').filter((line) => line.startsWith(`${prefix} `)).map((line) => JSON.parse(line.slice(prefix.length + 1)) as T);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

beforeAll(async () => {
  sim = await startModelSimulator();
  store = await startOtlpReceiver();
  collector = await startCollector({
    configs: ['otel-collector.yaml'],
    env: { TRACES_STORE_ENDPOINT: store.url, TAIL_SAMPLING_DECISION_WAIT: '1s', TAIL_SAMPLING_PERCENTAGE: '100' },
  });
  app = await startApp({
    script: APP,
    ext: 'mjs',
    env: {
      SIM_URL: sim.url,
      DURATION_MS: String(BEFORE_MS + OUTAGE_MS + AFTER_MS),
      CONCURRENCY: '2',
      MODEL_PER_CALL: '1',
      PACE_MS: '40',
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.otlpHttpUrl,
      OTEL_BSP_SCHEDULE_DELAY: '200',
      OTEL_BSP_MAX_QUEUE_SIZE: String(QUEUE),
      OTEL_METRICS_EXPORTER: 'none',
      LLM_OTEL_GPU_INTERVAL: '0',
    },
  });
  await new Promise((resolve) => setTimeout(resolve, BEFORE_MS));
  downAt = Date.now();
  await collector.stop();
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
  await collector.start();
  upAt = Date.now();
  await app.waitForLine(/^DONE$/, AFTER_MS + 20_000);
  // The exporter's retries and the tail sampler's decision (1 s) and batch (5 s) settle.
  await new Promise((resolve) => setTimeout(resolve, 12_000));
  await app.stop();
}, 120_000);

afterAll(async () => {
  await stopAll();
  await stopAllCollectors();
  await store?.close();
  await sim?.close();
});

describe('a collector outage of 20 s in the middle of the load', () => {
  it('changes nothing for the service: every call answered, latency as before', () => {
    const calls = linesOf<CallLine>('CALL');
    expect(calls.every((c) => c.ok)).toBe(true);
    // Each call's time beyond the first-chunk delay it asked for (load-app cycles through four): the
    // median of the raw durations sat on the edge between the 30 ms and 120 ms groups, and a small
    // shift in the mix moved it from one to the other.
    const overhead = (c: CallLine) => c.endedAt - c.startedAt - FIRST_CHUNK_MS[c.i % FIRST_CHUNK_MS.length]!;
    const before = calls.filter((c) => c.endedAt < downAt).map(overhead);
    const during = calls.filter((c) => c.startedAt > downAt && c.endedAt < upAt).map(overhead);
    expect(before.length).toBeGreaterThan(20);
    expect(during.length).toBeGreaterThan(100);
    expect(median(during)).toBeLessThan(median(before) * 1.5 + 20);
  });

  it('keeps the agent\'s memory bounded', () => {
    const memory = linesOf<MemLine>('MEM');
    const heapBefore = Math.max(...memory.filter((m) => m.at < downAt).map((m) => m.heapUsed));
    const heapDuring = Math.max(...memory.filter((m) => m.at >= downAt && m.at < upAt).map((m) => m.heapUsed));
    // A queue of 100 spans is a few hundred KB; 30 MB leaves room for the GC's own rhythm.
    expect(heapDuring - heapBefore).toBeLessThan(30 * 1024 * 1024);
  });

  it('delivers every span finished after the collector came back', () => {
    const calls = linesOf<CallLine>('CALL');
    const settled = upAt + 2000; // a retry in flight at the return may still be backing off
    // Each call asked for its own model name, so a call and its span are matched by identity: a span
    // ends a little before the app logs the call's end, and comparing the two clocks at a boundary
    // counted one call whose span had ended just before it.
    const storedModels = new Set(store.spans.map((s) => s.attributes['gen_ai.request.model']));
    const finishedAfter = calls.filter((c) => c.startedAt > settled);
    const missing = finishedAfter.filter((c) => !storedModels.has(`gpt-pipeline-${c.i}`)).map((c) => c.i);
    expect(finishedAfter.length).toBeGreaterThan(50);
    expect(missing).toEqual([]);
  });

  it('loses only what the bounded queue explains', () => {
    const calls = linesOf<CallLine>('CALL');
    const lost = calls.length - store.spans.length;
    const finishedDuringOutage = calls.filter((c) => c.endedAt >= downAt && c.endedAt < upAt).length;
    // Spans that finished while the collector was down are lost, except at most one queue's worth
    // waiting for the return and one batch in flight at the stop; nothing else is.
    expect(lost).toBeGreaterThanOrEqual(finishedDuringOutage - 2 * QUEUE);
    expect(lost).toBeLessThanOrEqual(finishedDuringOutage + QUEUE);
    console.log(`outage: ${calls.length} spans, ${finishedDuringOutage} finished while the collector was down, ${lost} lost (queue ${QUEUE})`);
  });
});
