// OpenAI Responses API: POST /v1/responses. Streams the real event sequence, each as `event:` + `data:`,
// numbered by sequence_number; no [DONE] (the real API sends none).
import { SSE } from '../encoding.js';
import { type Generation, intField } from '../generation.js';
import { hexId } from '../ids.js';
import { openAIError } from '../providers.js';
import { streamFlag, type WireFormat } from '../wire-format.js';

interface ResponseIds {
  response: string;
  message: string;
}

function newIds(): ResponseIds {
  return { response: hexId('resp_', 24), message: hexId('msg_', 24) };
}

function usage(generation: Generation) {
  return {
    input_tokens: generation.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: generation.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: generation.inputTokens + generation.outputTokens,
  };
}

function outputPart(text: string) {
  return { type: 'output_text', annotations: [], logprobs: [], text };
}

function messageItem(ids: ResponseIds, status: 'in_progress' | 'completed' | 'incomplete', text: string | null) {
  const content = text === null ? [] : [outputPart(text)];
  return { id: ids.message, type: 'message', status, content, role: 'assistant' };
}

type ResponseStatus = 'in_progress' | 'completed' | 'incomplete';

function responseObject(generation: Generation, ids: ResponseIds, status: ResponseStatus, withUsage: boolean) {
  const done = status !== 'in_progress';
  return {
    id: ids.response,
    object: 'response',
    created_at: generation.createdSec,
    status,
    error: null,
    incomplete_details: status === 'incomplete' ? { reason: 'max_output_tokens' } : null,
    instructions: null,
    max_output_tokens: intField(generation.body, 'max_output_tokens') ?? null,
    model: generation.model,
    output: done ? [messageItem(ids, status, generation.text)] : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    store: true,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: [],
    top_p: 1,
    truncation: 'disabled',
    usage: done && withUsage ? usage(generation) : null,
    metadata: {},
  };
}

function finalStatus(generation: Generation): ResponseStatus {
  return generation.finishedBy === 'length' ? 'incomplete' : 'completed';
}

export const openAIResponses: WireFormat = {
  provider: 'openai',
  encoding: SSE,
  wantsStream: streamFlag,
  maxOutputTokens: (body) => intField(body, 'max_output_tokens'),
  usageRequested: () => true,
  streaming: {
    midstreamError(_requestId, framesWritten) {
      const { message, code } = openAIError(500);
      const fields = { code: code ?? 'server_error', message, param: null, sequence_number: framesWritten };
      return SSE.encode({ type: 'error', ...fields }, 'error');
    },
    plan(generation) {
      const ids = newIds();
      let sequence = 0;
      const event = (type: string, fields: object) =>
        SSE.encode({ type, sequence_number: sequence++, ...fields }, type);
      const at = { item_id: ids.message, output_index: 0, content_index: 0 };
      const inProgress = responseObject(generation, ids, 'in_progress', false);
      const head = [
        event('response.created', { response: inProgress }),
        event('response.in_progress', { response: inProgress }),
        event('response.output_item.added', { output_index: 0, item: messageItem(ids, 'in_progress', null) }),
        event('response.content_part.added', { ...at, part: outputPart('') }),
      ];
      const content = generation.tokens.map((delta) =>
        event('response.output_text.delta', { ...at, delta, logprobs: [] }),
      );
      return {
        head,
        content,
        tail: () => {
          const status = finalStatus(generation);
          return [
            event('response.output_text.done', { ...at, text: generation.text, logprobs: [] }),
            event('response.content_part.done', { ...at, part: outputPart(generation.text) }),
            event('response.output_item.done', { output_index: 0, item: messageItem(ids, status, generation.text) }),
            event(`response.${status}`, {
              response: responseObject(generation, ids, status, generation.streamUsage),
            }),
          ];
        },
      };
    },
  },
  wholeBody(generation) {
    return responseObject(generation, newIds(), finalStatus(generation), true);
  },
};
