// Bedrock Converse: POST /model/{modelId}/converse, and /converse-stream (routes.ts), whose path asks
// for the stream. The model is the path's. The stream is an AWS event stream (eventstream.ts):
// messageStart, contentBlockDelta..., contentBlockStop, messageStop, metadata (usage), each payload
// padded with `p` as Bedrock pads it; an in-stream failure is a modelStreamErrorException.
import { EVENTSTREAM, eventFrame, exceptionFrame } from '../eventstream.js';
import { type Generation, epochNow, intField } from '../generation.js';
import type { WireFormat } from '../wire-format.js';

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens' } as const;
const PADDING = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Bedrock's `p` field: random-length padding against traffic analysis (here: by index). */
export const padding = (i: number): string => PADDING.slice(0, 4 + ((i * 7) % 40));

export function converseUsage(generation: Generation) {
  return { inputTokens: generation.inputTokens, outputTokens: generation.outputTokens, totalTokens: generation.inputTokens + generation.outputTokens };
}

const metrics = (generation: Generation) => ({ latencyMs: Math.round(epochNow() - generation.startedAt) });

/** Bedrock's in-stream model failure, for both Converse and InvokeModel streams. */
export const modelStreamError = () =>
  exceptionFrame('modelStreamErrorException', {
    message: 'The model stream failed (simulated).',
    originalStatusCode: 500,
    originalMessage: 'Internal server error (simulated).',
  });

export const bedrockConverse: WireFormat = {
  provider: 'bedrock',
  encoding: EVENTSTREAM,
  // Only the path asks for a stream (converse-stream); the body has no flag.
  wantsStream: () => false,
  maxOutputTokens: (body) => intField(body.inferenceConfig, 'maxTokens'),
  usageRequested: () => true,
  streaming: {
    midstreamError: modelStreamError,
    plan(generation) {
      return {
        head: [eventFrame('messageStart', { p: padding(0), role: 'assistant' })],
        content: generation.tokens.map((text, i) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text }, p: padding(i + 1) })),
        tail: () => [
          eventFrame('contentBlockStop', { contentBlockIndex: 0, p: padding(1) }),
          eventFrame('messageStop', { p: padding(2), stopReason: STOP_REASONS[generation.finishedBy] }),
          // `x-sim-usage: omit` leaves the usage out of the metadata event.
          eventFrame('metadata', { metrics: metrics(generation), p: padding(3), ...(generation.streamUsage ? { usage: converseUsage(generation) } : {}) }),
        ],
      };
    },
  },
  wholeBody: (generation) => ({
    metrics: metrics(generation),
    output: { message: { content: [{ text: generation.text }], role: 'assistant' } },
    stopReason: STOP_REASONS[generation.finishedBy],
    usage: converseUsage(generation),
  }),
};
