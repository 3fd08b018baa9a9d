// What OpenAI's chat and legacy completions streams share: the chunk envelope, the trailing usage
// chunk (`choices: []`), `data: [DONE]`, the in-stream error object and the usage block.
import { SSE } from '../encoding.js';
import type { Generation, JsonObject } from '../generation.js';
import { openAIError } from '../providers.js';
import type { StreamPlan } from '../wire-format.js';

export const SYSTEM_FINGERPRINT = 'fp_simulator';
const DONE_FRAME = 'data: [DONE]\n\n';

export function openAIUsage(generation: Generation) {
  return {
    prompt_tokens: generation.inputTokens,
    completion_tokens: generation.outputTokens,
    total_tokens: generation.inputTokens + generation.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

/** `stream_options.include_usage`, the only way OpenAI streams carry usage. */
export function includeUsageRequested(body: JsonObject): boolean {
  const options = body.stream_options;
  return typeof options === 'object' && options !== null && (options as JsonObject).include_usage === true;
}

export interface ChunkShape {
  /** The chunk object around `choices` (id, object, created, model...). */
  envelope(choices: unknown[]): JsonObject;
  /** Choices of a chunk written at arrival, before content (chat's role-only delta). */
  headChoices?: unknown[];
  contentChoice(token: string): unknown;
  finishChoice(finishReason: string): unknown;
}

export function openAIChunkStream(generation: Generation, shape: ChunkShape): StreamPlan {
  // With include_usage, OpenAI writes `"usage": null` in every chunk and the totals in a last one.
  const chunk = (choices: unknown[]) =>
    SSE.encode(generation.streamUsage ? { ...shape.envelope(choices), usage: null } : shape.envelope(choices));
  return {
    head: shape.headChoices ? [chunk(shape.headChoices)] : [],
    content: generation.tokens.map((token) => chunk([shape.contentChoice(token)])),
    tail: () => [
      chunk([shape.finishChoice(generation.finishedBy)]),
      ...(generation.streamUsage ? [SSE.encode({ ...shape.envelope([]), usage: openAIUsage(generation) })] : []),
      DONE_FRAME,
    ],
  };
}

/** OpenAI puts an `error` object in a `data:` line of the stream. */
export function openAIMidstreamError(): string {
  return SSE.encode({ error: openAIError(500) });
}
