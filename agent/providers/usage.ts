// Token usage, read through one small table per usage shape (OpenAI chat, OpenAI Responses), so
// the reading code is written once. Anthropic's shape needs arithmetic and lives in its parser.
import type { ResponseFacts } from './types.js';
import { isObject, numberOrUndefined } from './json.js';

type UsageFact = 'inputTokens' | 'outputTokens' | 'cacheReadInputTokens' | 'reasoningOutputTokens';

/** [fact, field] or [fact, nested object, field]. */
type UsageField = readonly [UsageFact, string] | readonly [UsageFact, string, string];

export type UsageShape = readonly UsageField[];

/** Chat completions, legacy completions and embeddings (which have only prompt_tokens). */
export const OPENAI_USAGE: UsageShape = [
  ['inputTokens', 'prompt_tokens'],
  ['outputTokens', 'completion_tokens'],
  ['cacheReadInputTokens', 'prompt_tokens_details', 'cached_tokens'],
  ['reasoningOutputTokens', 'completion_tokens_details', 'reasoning_tokens'],
];

export const OPENAI_RESPONSES_USAGE: UsageShape = [
  ['inputTokens', 'input_tokens'],
  ['outputTokens', 'output_tokens'],
  ['cacheReadInputTokens', 'input_tokens_details', 'cached_tokens'],
  ['reasoningOutputTokens', 'output_tokens_details', 'reasoning_tokens'],
];

/** Copies every count present in `usage` into `facts`; absent or non-numeric counts leave facts as they were. */
export function readUsage(usage: unknown, shape: UsageShape, facts: ResponseFacts): void {
  if (!isObject(usage)) return;
  for (const [fact, field, nested] of shape) {
    const holder = nested === undefined ? usage : usage[field];
    if (!isObject(holder)) continue;
    const count = numberOrUndefined(holder[nested ?? field]);
    if (count !== undefined) facts[fact] = count;
  }
}
