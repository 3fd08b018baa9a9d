// Bedrock InvokeModel: POST /model/{modelId}/invoke, and /invoke-with-response-stream (routes.ts).
// The body is the model family's own, chosen by the model id in the path: Anthropic's Messages API
// for `anthropic.*` ids (also behind `us.` and ARN prefixes), Amazon Titan Text for every other id.
// A whole body carries Bedrock's token-count headers; a stream is an AWS event stream of `chunk`
// events whose payload is `{"bytes": "<base64 of the family's JSON event>"}`, the last with
// `amazon-bedrock-invocationMetrics`.
import type { OutgoingHttpHeaders } from 'node:http';
import { EVENTSTREAM, eventFrame } from '../eventstream.js';
import { type Generation, epochNow, intField } from '../generation.js';
import { base62Id } from '../ids.js';
import type { StreamPlan, WireFormat } from '../wire-format.js';
import { modelStreamError, padding } from './bedrock-converse.js';

interface Family {
  wholeBody(generation: Generation): unknown;
  /** The family's own stream events; the last one gets Bedrock's invocation metrics. */
  events(generation: Generation): { head: object[]; content: object[]; tail: () => object[] };
}

const ANTHROPIC_STOP = { stop: 'end_turn', length: 'max_tokens' } as const;
const TITAN_STOP = { stop: 'FINISH', length: 'LENGTH' } as const;

const anthropic: Family = {
  wholeBody: (generation) => ({
    id: base62Id('msg_bdrk_01', 22),
    type: 'message',
    role: 'assistant',
    model: generation.model,
    content: [{ type: 'text', text: generation.text }],
    stop_reason: ANTHROPIC_STOP[generation.finishedBy],
    stop_sequence: null,
    usage: { input_tokens: generation.inputTokens, output_tokens: generation.outputTokens },
  }),
  events(generation) {
    const usage = (fields: object) => (generation.streamUsage ? { usage: fields } : {});
    return {
      head: [
        {
          type: 'message_start',
          message: {
            id: base62Id('msg_bdrk_01', 22),
            type: 'message',
            role: 'assistant',
            model: generation.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            ...usage({ input_tokens: generation.inputTokens, output_tokens: 1 }),
          },
        },
        { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      ],
      content: generation.tokens.map((text) => ({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })),
      tail: () => [
        { type: 'content_block_stop', index: 0 },
        { type: 'message_delta', delta: { stop_reason: ANTHROPIC_STOP[generation.finishedBy], stop_sequence: null }, ...usage({ output_tokens: generation.outputTokens }) },
        { type: 'message_stop' },
      ],
    };
  },
};

const titan: Family = {
  wholeBody: (generation) => ({
    inputTextTokenCount: generation.inputTokens,
    results: [{ tokenCount: generation.outputTokens, outputText: generation.text, completionReason: TITAN_STOP[generation.finishedBy] }],
  }),
  events(generation) {
    const counts = (output: number) => (generation.streamUsage ? { totalOutputTextTokenCount: output, inputTextTokenCount: generation.inputTokens } : {});
    return {
      head: [],
      content: generation.tokens.map((outputText, i) => ({ outputText, index: 0, ...counts(i + 1), completionReason: null })),
      tail: () => [{ outputText: '', index: 0, ...counts(generation.outputTokens), completionReason: TITAN_STOP[generation.finishedBy] }],
    };
  },
};

const familyOf = (model: string): Family => (/(?:^|\.|\/)anthropic\./.test(model) ? anthropic : titan);

function invocationMetrics(generation: Generation) {
  const latency = Math.round(epochNow() - generation.startedAt);
  return { inputTokenCount: generation.inputTokens, outputTokenCount: generation.outputTokens, invocationLatency: latency, firstByteLatency: Math.min(latency, 1) };
}

/** One `chunk` event: the family's event as base64 JSON, padded as Bedrock pads it. */
const chunk = (event: object, i: number) => eventFrame('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64'), p: padding(i) });

function streamPlan(generation: Generation): StreamPlan {
  const { head, content, tail } = familyOf(generation.model).events(generation);
  return {
    head: head.map(chunk),
    content: content.map((event, i) => chunk(event, i + head.length)),
    tail: () => {
      const events = tail();
      const last = events.length - 1;
      // Bedrock adds its own counts to the last event (not when the schedule omits usage).
      if (generation.streamUsage) events[last] = { ...events[last], 'amazon-bedrock-invocationMetrics': invocationMetrics(generation) };
      return events.map(chunk);
    },
  };
}

export const bedrockInvoke: WireFormat = {
  provider: 'bedrock',
  encoding: EVENTSTREAM,
  // Only the path asks for a stream (invoke-with-response-stream).
  wantsStream: () => false,
  maxOutputTokens: (body) => intField(body, 'max_tokens') ?? intField(body.textGenerationConfig, 'maxTokenCount'),
  usageRequested: () => true,
  streaming: { midstreamError: modelStreamError, plan: streamPlan },
  wholeBody: (generation) => familyOf(generation.model).wholeBody(generation),
  wholeBodyHeaders: (generation): OutgoingHttpHeaders => ({
    'x-amzn-bedrock-input-token-count': String(generation.inputTokens),
    'x-amzn-bedrock-output-token-count': String(generation.outputTokens),
    'x-amzn-bedrock-invocation-latency': String(Math.round(epochNow() - generation.startedAt)),
  }),
};
