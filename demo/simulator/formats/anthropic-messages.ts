// Anthropic Messages: POST /v1/messages. Streams message_start, content_block_start, ping,
// content_block_delta..., content_block_stop, message_delta, message_stop, each with its `event:` line.
import { SSE } from '../encoding.js';
import { type Generation, intField } from '../generation.js';
import { base62Id } from '../ids.js';
import { anthropicError } from '../providers.js';
import { streamFlag, type WireFormat } from '../wire-format.js';

const STOP_REASONS = { stop: 'end_turn', length: 'max_tokens' } as const;

function inputUsage(generation: Generation) {
  return {
    input_tokens: generation.inputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

function message(generation: Generation, id: string, outputTokens: number, done: boolean) {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: generation.model,
    content: done ? [{ type: 'text', text: generation.text }] : [],
    stop_reason: done ? STOP_REASONS[generation.finishedBy] : null,
    stop_sequence: null,
    usage: { ...inputUsage(generation), output_tokens: outputTokens, service_tier: 'standard' },
  };
}

function event(type: string, fields: object): string {
  return SSE.encode({ type, ...fields }, type);
}

export const anthropicMessages: WireFormat = {
  provider: 'anthropic',
  encoding: SSE,
  wantsStream: streamFlag,
  maxOutputTokens: (body) => intField(body, 'max_tokens'),
  usageRequested: () => true,
  streaming: {
    midstreamError: (requestId) => SSE.encode(anthropicError('overloaded_error', 'Overloaded', requestId), 'error'),
    plan(generation) {
      const id = base62Id('msg_01', 22);
      const { usage: startUsage, ...startMessage } = message(generation, id, 1, false);
      return {
        head: [
          // `x-sim-usage: omit` drops the usage objects (the SDK's messages.stream() helper needs them).
          event('message_start', { message: generation.streamUsage ? { ...startMessage, usage: startUsage } : startMessage }),
          event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
          event('ping', {}),
        ],
        content: generation.tokens.map((text) =>
          event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }),
        ),
        tail: () => [
          event('content_block_stop', { index: 0 }),
          event('message_delta', {
            delta: { stop_reason: STOP_REASONS[generation.finishedBy], stop_sequence: null },
            ...(generation.streamUsage ? { usage: { output_tokens: generation.outputTokens } } : {}),
          }),
          event('message_stop', {}),
        ],
      };
    },
  },
  wholeBody: (generation) => message(generation, base62Id('msg_01', 22), generation.outputTokens, true),
};
