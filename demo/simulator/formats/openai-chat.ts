// OpenAI Chat Completions: POST /v1/chat/completions.
import { SSE } from '../encoding.js';
import { type Generation, intField } from '../generation.js';
import { base62Id } from '../ids.js';
import { streamFlag, type WireFormat } from '../wire-format.js';
import { SYSTEM_FINGERPRINT, includeUsageRequested, openAIChunkStream, openAIMidstreamError, openAIUsage } from './openai-chunks.js';

/** Fields every chat object carries; one id per call, shared by all chunks of a stream. */
function chatEnvelope(generation: Generation, object: string) {
  return {
    id: base62Id('chatcmpl-', 29),
    object,
    created: generation.createdSec,
    model: generation.model,
    service_tier: 'default',
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

function chatChoice(delta: object, finishReason: string | null) {
  return { index: 0, delta, logprobs: null, finish_reason: finishReason };
}

export const openAIChat: WireFormat = {
  provider: 'openai',
  encoding: SSE,
  wantsStream: streamFlag,
  maxOutputTokens: (body) => intField(body, 'max_completion_tokens', 'max_tokens'),
  usageRequested: includeUsageRequested,
  streaming: {
    midstreamError: openAIMidstreamError,
    plan(generation) {
      const envelope = chatEnvelope(generation, 'chat.completion.chunk');
      return openAIChunkStream(generation, {
        envelope: (choices) => ({ ...envelope, choices }),
        headChoices: [chatChoice({ role: 'assistant', content: '', refusal: null }, null)],
        contentChoice: (token) => chatChoice({ content: token }, null),
        finishChoice: (finishReason) => chatChoice({}, finishReason),
      });
    },
  },
  wholeBody(generation) {
    return {
      ...chatEnvelope(generation, 'chat.completion'),
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: generation.text, refusal: null, annotations: [] },
          logprobs: null,
          finish_reason: generation.finishedBy,
        },
      ],
      usage: openAIUsage(generation),
    };
  },
};
