// A model-call span takes its start and its end from one clock (spans/span-clock.ts): the wall
// clock read once at the start (performance.timeOrigin while Date.now() agrees with it), then
// performance.now(). Here the recorder (ModelCall) runs in
// process on a real TracerProvider, and the wall clock is stepped the way NTP or an operator steps
// it on a long-running host (Date.now is the only thing replaced; the SDK reads the wall clock
// through it).
import { context, diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import { hrTimeToMilliseconds } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recognise } from '../../agent/providers/table.js';
import { ModelCall } from '../../agent/spans/model-call.js';
import { requestTarget } from '../../agent/transport/request-target.js';

const target = requestTarget({ method: 'POST', protocol: 'https:', host: 'api.openai.com', path: '/v1/chat/completions' });
const call = recognise(target)!;
const body = JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi' }] });
const sse = (data: object) => new TextEncoder().encode(`data: ${JSON.stringify(data)}\n\n`);
const head = sse({ id: 'c1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
const token = sse({ id: 'c1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: { content: 'Hello' }, finish_reason: null }] });
const last = sse({ id: 'c1', model: 'gpt-4o-mini', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });

let exporter: InMemorySpanExporter;
let provider: TracerProvider;
let warnings: string[];

beforeEach(() => {
  exporter = new InMemorySpanExporter();
  provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  warnings = [];
  const record = (message: string) => warnings.push(message);
  const logger: DiagLogger = { error: record, warn: record, info: () => {}, debug: () => {}, verbose: () => {} };
  diag.setLogger(logger, DiagLogLevel.WARN);
});
afterEach(async () => {
  vi.restoreAllMocks();
  diag.disable();
  await provider.shutdown();
});

function startCall(): ModelCall {
  const modelCall = new ModelCall(provider.getTracer('llm-otel-agent'), { captureContent: false, captureMaxLength: 0 }, call, target, context.active(), performance.now());
  modelCall.start(body);
  return modelCall;
}

const durationMs = (span: ReadableSpan) => hrTimeToMilliseconds(span.duration);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Moves the wall clock by `ms` from now on, as a clock step does. */
function stepWallClock(ms: number): void {
  const realNow = Date.now.bind(Date);
  vi.spyOn(Date, 'now').mockImplementation(() => realNow() + ms);
}

describe('one clock for a model-call span', () => {
  it('a call that fails at once has a duration of zero or more and no warning', () => {
    for (let i = 0; i < 200; i++) startCall().onError(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(200);
    for (const span of spans) expect(durationMs(span)).toBeGreaterThanOrEqual(0);
    expect(warnings).toEqual([]);
  });

  it('starts a span on the SDK\'s own clock, to well under a millisecond, while the wall clock agrees with it', () => {
    for (let i = 0; i < 50; i++) {
      const precise = performance.timeOrigin + performance.now();
      startCall().onError(new Error('refused'));
      const span = exporter.getFinishedSpans().at(-1)!;
      // Anchored on Date.now() (whole milliseconds), starts were up to 1 ms early, 0.5 ms on average.
      expect(Math.abs(hrTimeToMilliseconds(span.startTime) - precise)).toBeLessThan(0.25);
    }
  });

  it('follows a wall clock stepped away from the origin, for the spans that start after the step', () => {
    stepWallClock(5000);
    const stepped = Date.now();
    startCall().onError(new Error('refused'));
    const [span] = exporter.getFinishedSpans();
    expect(Math.abs(hrTimeToMilliseconds(span!.startTime) - stepped)).toBeLessThan(2);
    expect(warnings).toEqual([]);
  });

  it.each([
    ['backwards', -5000],
    ['forwards', 5000],
  ])('a wall clock stepped %s mid-stream changes neither the duration nor its agreement with time to first chunk', async (_way, stepMs) => {
    const startedAt = performance.now();
    const modelCall = startCall();
    modelCall.onResponseHead(200, (name) => (name === 'content-type' ? 'text/event-stream' : undefined));
    modelCall.onChunk(head);
    await sleep(30);
    modelCall.onChunk(token);
    stepWallClock(stepMs);
    await sleep(20);
    modelCall.onChunk(last);
    modelCall.onComplete();
    const elapsedMs = performance.now() - startedAt;

    const [span] = exporter.getFinishedSpans();
    const ttfcMs = (span!.attributes['gen_ai.response.time_to_first_chunk'] as number) * 1000;
    expect(warnings).toEqual([]);
    // The duration is what performance.now() measured, step or not; the first chunk lies inside it.
    expect(durationMs(span!)).toBeGreaterThanOrEqual(50 - 1);
    expect(durationMs(span!)).toBeLessThanOrEqual(elapsedMs + 1);
    expect(ttfcMs).toBeGreaterThanOrEqual(30 - 1);
    expect(ttfcMs).toBeLessThan(durationMs(span!));
  });
});
