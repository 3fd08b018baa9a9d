// Cohere v1: POST /v1/chat and /v1/generate. Streams are NDJSON sent as application/stream+json,
// each line typed by `event_type`; the last one (stream-end) carries the whole response with its
// finish reason and `meta` (billed units and tokens). Generate's stream has no stream-start.
import { randomUUID } from 'node:crypto';
import { STREAM_JSON } from '../encoding.js';
import { type Generation, intField } from '../generation.js';
import { streamFlag, type WireFormat } from '../wire-format.js';
import { COHERE_FINISH_REASONS, cohereUsage } from './cohere-v2-chat.js';

const META_VERSION = { api_version: { version: '1' } };

function meta(generation: Generation, withUsage: boolean) {
  return withUsage ? { ...META_VERSION, ...cohereUsage(generation) } : META_VERSION;
}

interface V1Shape {
  /** Lines written before the first content line (chat's stream-start). */
  head(generationId: string): object[];
  /** The whole response: the body of a non-streamed call, and stream-end's `response`. */
  response(generation: Generation, generationId: string, withUsage: boolean): object;
  /** The line a failure mid-stream ends with. */
  failure(): object;
}

function v1Format(shape: V1Shape): WireFormat {
  const line = (fields: object) => STREAM_JSON.encode({ is_finished: false, ...fields });
  return {
    provider: 'cohere',
    encoding: STREAM_JSON,
    wantsStream: streamFlag,
    maxOutputTokens: (body) => intField(body, 'max_tokens'),
    usageRequested: () => true,
    streaming: {
      midstreamError: () => STREAM_JSON.encode(shape.failure()),
      plan(generation) {
        const generationId = randomUUID();
        return {
          head: shape.head(generationId).map((fields) => line(fields)),
          content: generation.tokens.map((text) => line({ event_type: 'text-generation', text })),
          tail: () => [
            STREAM_JSON.encode({
              is_finished: true,
              event_type: 'stream-end',
              finish_reason: COHERE_FINISH_REASONS[generation.finishedBy],
              response: shape.response(generation, generationId, generation.streamUsage),
            }),
          ],
        };
      },
    },
    wholeBody: (generation) => shape.response(generation, randomUUID(), true),
  };
}

export const cohereV1Chat = v1Format({
  head: (generationId) => [{ event_type: 'stream-start', generation_id: generationId }],
  response: (generation, generationId, withUsage) => ({
    response_id: randomUUID(),
    text: generation.text,
    generation_id: generationId,
    chat_history: [
      ...(typeof generation.body.message === 'string' ? [{ role: 'USER', message: generation.body.message }] : []),
      { role: 'CHATBOT', message: generation.text },
    ],
    finish_reason: COHERE_FINISH_REASONS[generation.finishedBy],
    meta: meta(generation, withUsage),
  }),
  failure: () => ({ is_finished: true, event_type: 'stream-end', finish_reason: 'ERROR', response: { text: '', meta: META_VERSION } }),
});

export const cohereV1Generate = v1Format({
  head: () => [],
  response: (generation, generationId, withUsage) => ({
    id: randomUUID(),
    generations: [{ id: generationId, text: generation.text, finish_reason: COHERE_FINISH_REASONS[generation.finishedBy] }],
    prompt: typeof generation.body.prompt === 'string' ? generation.body.prompt : '',
    meta: meta(generation, withUsage),
  }),
  failure: () => ({ is_finished: true, event_type: 'stream-error', finish_reason: 'ERROR', err: 'internal server error (simulated)' }),
});
