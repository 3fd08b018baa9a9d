// AWS Bedrock's InvokeModel (POST /model/{modelId}/invoke) and InvokeModelWithResponseStream
// (/invoke-with-response-stream): the body is the model family's own JSON, so the family, chosen by
// the model id in the path (bedrock-families.ts, one table row each), reads it. What Bedrock adds is
// read here, the same for every family: token counts in the response headers, the stream's `chunk`
// events whose payload is `{"bytes": "<base64 of the family's own JSON event>"}`, the
// `amazon-bedrock-invocationMetrics` in the last chunk, and exceptions.
import { GEN_AI_REQUEST_STREAM, type GenAiOperation } from '../semconv.js';
import { readBedrockTokenHeaders, readStreamException } from './bedrock-converse.js';
import { isObject, numberOrUndefined, parseJson } from './json.js';
import type { ParseOptions, ProviderParser, RequestFacts, ResponseFacts } from './types.js';

/** One model family's body shapes. */
export interface InvokeFamily {
  /** Only for tests and messages. */
  name: string;
  /**
   * The family's model ids (a regular expression source), as they start after any cross-region
   * prefix (`us.`, `eu.`, `global.`) or ARN path (`…:inference-profile/`): `anthropic\.`.
   */
  modelId: string;
  operation: GenAiOperation;
  /** The request body; stream and its attribute are set by the route. */
  readRequest(body: unknown, options: ParseOptions): RequestFacts;
  /** A whole (InvokeModel) response body. */
  readBody(body: unknown, facts: ResponseFacts, options: ParseOptions): void;
  /** One stream chunk's JSON text (the decoded `bytes`); true when it carries generated content. */
  readChunk(text: string, facts: ResponseFacts, options: ParseOptions): boolean;
  /** False for families that never stream (embeddings). */
  streams: boolean;
}

const INVOCATION_METRICS = 'amazon-bedrock-invocationMetrics';

/** A chunk's `bytes` member: base64 holds no quote and no backslash, so the match is exact. */
const CHUNK_BYTES = /(?<!\\)"bytes"\s*:\s*"([A-Za-z0-9+/=]*)"/;

/** The family's JSON text inside a `chunk` event (`{"bytes": "<base64>", "p": ...}`), or undefined. */
function chunkText(data: string): string | undefined {
  const bytes = CHUNK_BYTES.exec(data)?.[1];
  return bytes === undefined ? undefined : Buffer.from(bytes, 'base64').toString('utf8');
}

/**
 * Bedrock's own counts in the last chunk. The family's counts, where it reports any, were read
 * first and stand; these fill what a family leaves out (Mistral and Cohere report none).
 */
function readInvocationMetrics(text: string, facts: ResponseFacts): void {
  if (!text.includes(INVOCATION_METRICS)) return; // every chunk but the last: no parse
  const chunk = parseJson(text);
  const metrics = isObject(chunk) ? chunk[INVOCATION_METRICS] : undefined;
  if (!isObject(metrics)) return;
  facts.inputTokens ??= numberOrUndefined(metrics.inputTokenCount);
  facts.outputTokens ??= numberOrUndefined(metrics.outputTokenCount);
}

export function invokeParser(family: InvokeFamily, stream: boolean): ProviderParser {
  return {
    readRequest(body, options) {
      const facts = family.readRequest(body, options);
      facts.stream = stream;
      if (family.streams) facts.attributes[GEN_AI_REQUEST_STREAM] = stream;
      return facts;
    },
    readResponse: (body, facts, options) => family.readBody(body, facts, options),
    readResponseHeaders: readBedrockTokenHeaders,
    readEvent(data, event, facts, options) {
      if (event !== 'chunk') {
        readStreamException(event, facts);
        return false;
      }
      const text = chunkText(data);
      if (text === undefined) return false;
      const content = family.readChunk(text, facts, options);
      readInvocationMetrics(text, facts);
      return content;
    },
  };
}
