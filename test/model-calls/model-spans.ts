// What the real-client tests ask of the spans a child app exported: its model-call spans, the one
// span of a model, and time to first chunk bracketed by the simulator's and the app's clocks.
import { expect } from 'vitest';
import type { SimCallRecord } from '../../demo/simulator/index.js';
import type { ReceivedSpan } from '../helpers/otlp-receiver.js';

/** Slack for the two processes' clocks (each is performance.timeOrigin + now(), set at its own start). */
const CLOCK_SLACK_S = 0.0015;

export const modelSpansIn = (spans: readonly ReceivedSpan[]) => spans.filter((s) => s.scope.name === 'llm-otel-agent');

/** The one model-call span whose request named `model` (each scenario uses its own model name). */
export function spanOfModel(spans: readonly ReceivedSpan[], model: string): ReceivedSpan {
  const found = modelSpansIn(spans).filter((s) => s.attributes['gen_ai.request.model'] === model);
  expect(found, `model-call spans for ${model}`).toHaveLength(1);
  return found[0]!;
}

const startMs = (span: ReceivedSpan) => Number(span.startTimeUnixNano / 1000n) / 1000;

/**
 * The true time to first chunk lies between the simulator writing the first content chunk and the
 * app reading it from the SDK (`readAt`, epoch ms); the agent, stamping the chunk's arrival at the
 * transport, must land in that bracket. A bracket, not a fixed tolerance: a loaded CI machine widens
 * it, never breaks it. The scenarios ask for a first chunk after 150 ms or more.
 */
export function expectTtftBracketed(span: ReceivedSpan, record: SimCallRecord, readAt: number): void {
  const ttft = span.attributes['gen_ai.response.time_to_first_chunk'] as number;
  const written = (record.firstContentWrittenAt! - startMs(span)) / 1000;
  const read = (readAt - startMs(span)) / 1000;
  expect(ttft).toBeGreaterThanOrEqual(written - CLOCK_SLACK_S);
  expect(ttft).toBeLessThanOrEqual(read + CLOCK_SLACK_S);
  expect(ttft).toBeGreaterThanOrEqual(0.15);
}
