// OpenAI embeddings (/v1/embeddings) and compatible servers. Never streamed.
import type { ProviderParser, ResponseFacts } from './types.js';
import { arrayOrEmpty, isObject, stringOrUndefined } from './json.js';
import { OPENAI_USAGE, readUsage } from './usage.js';
import { errorTypeOf } from './error-type.js';
import { readRequestWith, requestFieldsOf, OPENAI_EMBEDDINGS_PARAMS, type RequestShape } from './request-params.js';

const REQUEST_SHAPE: RequestShape = { params: OPENAI_EMBEDDINGS_PARAMS, streamDefault: false, streamable: false };

const BYTES_PER_FLOAT32 = 4;

/** Vector length of one embedding: a number array, or base64 of float32s (encoding_format: base64). */
function dimensionsOf(embedding: unknown): number | undefined {
  if (Array.isArray(embedding)) return embedding.length;
  if (typeof embedding !== 'string') return undefined;
  const padding = embedding.endsWith('==') ? 2 : embedding.endsWith('=') ? 1 : 0;
  return Math.floor(((embedding.length * 3) / 4 - padding) / BYTES_PER_FLOAT32);
}

function readEmbeddingsResponse(body: unknown, facts: ResponseFacts): void {
  if (!isObject(body)) return;
  const model = stringOrUndefined(body.model);
  if (model !== undefined) facts.responseModel = model;
  readUsage(body.usage, OPENAI_USAGE, facts);
  const first = arrayOrEmpty(body.data)[0];
  if (isObject(first)) facts.embeddingDimensions = dimensionsOf(first.embedding);
  if (body.error !== undefined && body.error !== null) facts.errorType = errorTypeOf(body.error);
}

export const openAiEmbeddingsParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(REQUEST_SHAPE, body, options),
  requestFields: requestFieldsOf(REQUEST_SHAPE),
  readResponse: (body, facts) => readEmbeddingsResponse(body, facts),
  readEvent: () => false,
};
