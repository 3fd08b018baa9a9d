// Ollama native API: POST /api/chat and /api/generate. NDJSON lines; streams unless `stream: false`;
// the last line has `done: true` with the token counts and durations (ns).
import { NDJSON } from '../encoding.js';
import { type Generation, epochNow, intField } from '../generation.js';
import type { WireFormat } from '../wire-format.js';

const MS_TO_NS = 1_000_000;

interface OllamaShape {
  /** Where the text goes: `message` (chat) or `response` (generate). */
  content(text: string): object;
  /** Extra fields of the final object (generate's `context`). */
  finalExtras?(generation: Generation): object;
}

function finalFields(generation: Generation, withUsage: boolean) {
  const total = Math.round((epochNow() - generation.startedAt) * MS_TO_NS);
  const counts = withUsage
    ? {
        prompt_eval_count: generation.inputTokens,
        prompt_eval_duration: Math.round(total * 0.1),
        eval_count: generation.outputTokens,
        eval_duration: Math.round(total * 0.9),
      }
    : {};
  return { done: true, done_reason: generation.finishedBy, total_duration: total, load_duration: 0, ...counts };
}

function ollamaFormat(shape: OllamaShape): WireFormat {
  const line = (generation: Generation, fields: object) => ({
    model: generation.model,
    created_at: new Date().toISOString(),
    ...fields,
  });
  return {
    provider: 'ollama',
    encoding: NDJSON,
    wantsStream: (body) => body.stream !== false,
    maxOutputTokens: (body) => intField(body.options, 'num_predict'),
    usageRequested: () => true,
    streaming: {
      midstreamError: () => NDJSON.encode({ error: 'an error was encountered while running the model (simulated)' }),
      plan(generation) {
        return {
          head: [],
          content: generation.tokens.map((token) =>
            NDJSON.encode(line(generation, { ...shape.content(token), done: false })),
          ),
          tail: () => [
            NDJSON.encode(
              line(generation, {
                ...shape.content(''),
                ...finalFields(generation, generation.streamUsage),
                ...shape.finalExtras?.(generation),
              }),
            ),
          ],
        };
      },
    },
    wholeBody: (generation) =>
      line(generation, {
        ...shape.content(generation.text),
        ...finalFields(generation, true),
        ...shape.finalExtras?.(generation),
      }),
  };
}

export const ollamaChat = ollamaFormat({
  content: (text) => ({ message: { role: 'assistant', content: text } }),
});

export const ollamaGenerate = ollamaFormat({
  content: (text) => ({ response: text }),
  // Real Ollama returns the conversation's token ids; any ints keep clients that resend them working.
  finalExtras: (generation: Generation) => ({
    context: Array.from({ length: generation.inputTokens + generation.outputTokens }, (_, i) => i + 1),
  }),
});

