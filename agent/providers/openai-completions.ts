// OpenAI legacy text completions (/v1/completions): still the main API of many inference servers
// (vLLM, TGI's OpenAI layer, llama.cpp) for base models.
import type { ProviderParser } from './types.js';
import { stringOrUndefined, type JsonObject } from './json.js';
import { nonEmptyString } from './json-scan.js';
import { createChoicesParser } from './openai-choices.js';
import { OPENAI_SAMPLING_PARAMS } from './request-params.js';
import { promptToInput } from './messages.js';

function choiceText(choice: JsonObject): string | undefined {
  return stringOrUndefined(choice.text);
}

export const openAiCompletionsParser: ProviderParser = createChoicesParser({
  request: {
    params: OPENAI_SAMPLING_PARAMS,
    streamDefault: false,
    streamable: true,
    readMessages: (body) => ({ inputMessages: promptToInput(body.prompt) }),
  },
  choiceHasContent: (choice) => !!choiceText(choice),
  choiceText,
  contentPatterns: [nonEmptyString('text')],
});
