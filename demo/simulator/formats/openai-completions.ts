// OpenAI legacy Completions: POST /v1/completions.
import { SSE } from '../encoding.js';
import { type Generation, intField } from '../generation.js';
import { base62Id } from '../ids.js';
import { streamFlag, type WireFormat } from '../wire-format.js';
import { SYSTEM_FINGERPRINT, includeUsageRequested, openAIChunkStream, openAIMidstreamError, openAIUsage } from './openai-chunks.js';

function completionEnvelope(generation: Generation) {
  return {
    id: base62Id('cmpl-', 29),
    object: 'text_completion',
    created: generation.createdSec,
    model: generation.model,
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

function completionChoice(text: string, finishReason: string | null) {
  return { text, index: 0, logprobs: null, finish_reason: finishReason };
}

export const openAICompletions: WireFormat = {
  provider: 'openai',
  encoding: SSE,
  wantsStream: streamFlag,
  maxOutputTokens: (body) => intField(body, 'max_tokens'),
  usageRequested: includeUsageRequested,
  streaming: {
    midstreamError: openAIMidstreamError,
    plan(generation) {
      const envelope = completionEnvelope(generation);
      return openAIChunkStream(generation, {
        envelope: (choices) => ({ ...envelope, choices }),
        contentChoice: (token) => completionChoice(token, null),
        finishChoice: (finishReason) => completionChoice('', finishReason),
      });
    },
  },
  wholeBody(generation) {
    return {
      ...completionEnvelope(generation),
      choices: [completionChoice(generation.text, generation.finishedBy)],
      usage: openAIUsage(generation),
    };
  },
};
