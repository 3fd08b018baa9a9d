// OpenAI chat completions (/v1/chat/completions), as spoken by OpenAI, Azure OpenAI and the many
// compatible servers (vLLM, llama.cpp, Ollama, Groq, Together, ...).
import type { ProviderParser } from './types.js';
import { arrayOrEmpty, isObject, stringOrUndefined, type JsonObject } from './json.js';
import { nonEmptyArray, nonEmptyString } from './json-scan.js';
import { createChoicesParser } from './openai-choices.js';
import { OPENAI_SAMPLING_PARAMS } from './request-params.js';
import { chatMessagesToInput } from './messages.js';

/** Delta fields whose non-empty string is generated content (reasoning_content: DeepSeek, vLLM; reasoning: OpenRouter, Ollama). */
const DELTA_TEXT_FIELDS = ['content', 'reasoning_content', 'reasoning', 'refusal'] as const;

function deltaHasContent(choice: JsonObject): boolean {
  const delta = choice.delta;
  if (!isObject(delta)) return false;
  for (const field of DELTA_TEXT_FIELDS) {
    const value = delta[field];
    if (typeof value === 'string' && value !== '') return true;
  }
  return arrayOrEmpty(delta.tool_calls).length > 0;
}


function choiceText(choice: JsonObject, streamed: boolean): string | undefined {
  const holder = streamed ? choice.delta : choice.message;
  return isObject(holder) ? stringOrUndefined(holder.content) : undefined;
}

export const openAiChatParser: ProviderParser = createChoicesParser({
  request: {
    params: OPENAI_SAMPLING_PARAMS,
    streamDefault: false,
    streamable: true,
    readMessages: (body) => ({ inputMessages: chatMessagesToInput(body.messages) }),
  },
  choiceHasContent: deltaHasContent,
  choiceText,
  contentPatterns: [nonEmptyString(...DELTA_TEXT_FIELDS), nonEmptyArray('tool_calls')],
});
