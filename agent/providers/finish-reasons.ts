// gen_ai.response.finish_reasons holds one reason per generation (OpenAI's choice, Gemini's
// candidate), in the generation's order, so a server repeating one does not duplicate it.
import type { ResponseFacts } from './types.js';
import { numberOrUndefined } from './json.js';

/** More choices than this are not kept by index: their reasons are appended. */
const MAX_INDEXED_CHOICES = 128;

/** The finish reason of the generation at `choiceIndex` (absent: 0), in its place among the others. */
export function setFinishReason(facts: ResponseFacts, choiceIndex: unknown, reason: string): void {
  const index = numberOrUndefined(choiceIndex) ?? 0;
  if (Number.isInteger(index) && index >= 0 && index < MAX_INDEXED_CHOICES) {
    facts.finishReasons[index] = reason;
    // Fill holes left by choices that finished out of order or not at all.
    for (let i = 0; i < index; i++) facts.finishReasons[i] ??= '';
  } else {
    facts.finishReasons.push(reason);
  }
}
