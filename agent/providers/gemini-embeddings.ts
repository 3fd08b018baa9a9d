// Gemini's embedContent (`{embedding: {values}}`) and batchEmbedContents (`{embeddings: [{values}]}`),
// on the Gemini API and Vertex AI; usageMetadata.promptTokenCount where the service reports it.
// Never streamed.
import type { ProviderParser, ResponseFacts } from './types.js';
import { arrayOrEmpty, isObject, numberOrUndefined } from './json.js';
import { googleErrorType } from './gemini.js';
import { readRequestWith, requestFieldsOf, type RequestShape } from './request-params.js';

const REQUEST_SHAPE: RequestShape = { params: [], streamDefault: false, streamable: false };

function readEmbeddingsResponse(body: unknown, facts: ResponseFacts): void {
  if (!isObject(body)) return;
  const first = isObject(body.embedding) ? body.embedding : arrayOrEmpty(body.embeddings)[0];
  if (isObject(first) && Array.isArray(first.values)) facts.embeddingDimensions = first.values.length;
  const usage = body.usageMetadata;
  const input = isObject(usage) ? numberOrUndefined(usage.promptTokenCount) : undefined;
  if (input !== undefined) facts.inputTokens = input;
  if (body.error !== undefined && body.error !== null) facts.errorType = googleErrorType(body.error);
}

export const geminiEmbeddingsParser: ProviderParser = {
  readRequest: (body, options) => readRequestWith(REQUEST_SHAPE, body, options),
  requestFields: requestFieldsOf(REQUEST_SHAPE),
  readResponse: (body, facts) => readEmbeddingsResponse(body, facts),
  readEvent: () => false,
};
