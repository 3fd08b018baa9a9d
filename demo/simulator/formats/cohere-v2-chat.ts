// Cohere v2 chat: POST /v2/chat. Streams SSE events named as their `type`: message-start (the id),
// content-start, content-delta..., content-end, message-end (finish reason and usage, both the
// billed units and the tokens the model read, which include the preamble Cohere adds).
import { randomUUID } from 'node:crypto';
import { SSE } from '../encoding.js';
import { type Generation, intField } from '../generation.js';
import { streamFlag, type WireFormat } from '../wire-format.js';

export const COHERE_FINISH_REASONS = { stop: 'COMPLETE', length: 'MAX_TOKENS' } as const;

/** Tokens Cohere's own preamble adds to every prompt (the recordings show 66 more read than billed). */
export const COHERE_PREAMBLE_TOKENS = 66;

/** Cohere's usage object (v2 `usage`, v1 `meta` without its api_version). */
export function cohereUsage(generation: Generation) {
  return {
    billed_units: { input_tokens: generation.inputTokens, output_tokens: generation.outputTokens },
    tokens: { input_tokens: generation.inputTokens + COHERE_PREAMBLE_TOKENS, output_tokens: generation.outputTokens },
  };
}

function event(type: string, fields: object): string {
  return SSE.encode({ type, ...fields }, type);
}

export const cohereV2Chat: WireFormat = {
  provider: 'cohere',
  encoding: SSE,
  wantsStream: streamFlag,
  maxOutputTokens: (body) => intField(body, 'max_tokens'),
  usageRequested: () => true,
  streaming: {
    // A generation that fails on Cohere's side ends with finish reason ERROR and the error's text.
    midstreamError: () =>
      event('message-end', { delta: { finish_reason: 'ERROR', error: 'internal server error, this has been reported to our developers (simulated)' } }),
    plan(generation) {
      return {
        head: [
          event('message-start', { id: randomUUID(), delta: { message: { role: 'assistant' } } }),
          event('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }),
        ],
        content: generation.tokens.map((text) => event('content-delta', { index: 0, delta: { message: { content: { text } } } })),
        tail: () => [
          event('content-end', { index: 0 }),
          event('message-end', {
            delta: {
              finish_reason: COHERE_FINISH_REASONS[generation.finishedBy],
              ...(generation.streamUsage ? { usage: cohereUsage(generation) } : {}),
            },
          }),
        ],
      };
    },
  },
  wholeBody: (generation) => ({
    id: randomUUID(),
    message: { role: 'assistant', content: [{ type: 'text', text: generation.text }] },
    finish_reason: COHERE_FINISH_REASONS[generation.finishedBy],
    usage: cohereUsage(generation),
  }),
};
