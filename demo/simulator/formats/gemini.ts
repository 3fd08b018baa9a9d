// Gemini: POST …/models/{model}:generateContent and :streamGenerateContent (the Gemini API's
// paths, and Vertex AI's publishers/google ones), :embedContent and :batchEmbedContents. A stream is
// SSE with `alt=sse` (CRLF line ends, as Google writes it), else one JSON array sent element by
// element. Each chunk is a whole response body: one token of text, and on the Gemini API the usage so
// far (Vertex AI sends usage only in the last chunk); a last chunk adds the finish reason. The usage
// counts thinking (`generationConfig.thinkingConfig.thinkingBudget`, spent whole) and, for a request
// that names `cachedContent`, a cache read of CACHED_CONTENT_TOKENS within the prompt.
import { type Frame, type FrameEncoding, GOOGLE_SSE, JSON_ARRAY } from '../encoding.js';
import { type Generation, type JsonObject, countPromptTokens, intField } from '../generation.js';
import { base62Id } from '../ids.js';
import { googleError } from '../providers.js';
import { type StreamPlan, type WireFormat, wholeBodyFormat } from '../wire-format.js';

const FINISH_REASONS = { stop: 'STOP', length: 'MAX_TOKENS' } as const;
export const CACHED_CONTENT_TOKENS = 16;
const DEFAULT_DIMENSIONS = 8;

/** Vertex AI's flavour: a create time in each body, usage only once it is final. */
interface Flavour {
  vertex: boolean;
}

function generationConfig(body: JsonObject): JsonObject {
  const config = body.generationConfig;
  return typeof config === 'object' && config !== null ? (config as JsonObject) : {};
}

function thoughtsTokens(body: JsonObject): number {
  const thinking = generationConfig(body).thinkingConfig;
  return intField(thinking, 'thinkingBudget') ?? 0;
}

function usageMetadata(generation: Generation, candidates: number) {
  const cached = typeof generation.body.cachedContent === 'string' ? CACHED_CONTENT_TOKENS : 0;
  const prompt = generation.inputTokens + cached;
  const thoughts = thoughtsTokens(generation.body);
  return {
    promptTokenCount: prompt,
    candidatesTokenCount: candidates,
    totalTokenCount: prompt + candidates + thoughts,
    ...(cached ? { cachedContentTokenCount: cached } : {}),
    promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
    ...(thoughts ? { thoughtsTokenCount: thoughts } : {}),
  };
}

/** Fields every body of one call carries. */
function envelope(generation: Generation, flavour: Flavour, responseId: string, createTime: string) {
  return { modelVersion: generation.model, ...(flavour.vertex ? { createTime } : {}), responseId };
}

function candidate(text: string, finishReason?: string) {
  return { content: { parts: [{ text }], role: 'model' }, ...(finishReason ? { finishReason } : {}), index: 0 };
}

/** Frames as the encoding writes them: SSE events, or the JSON array's elements with their separators. */
function frames(bodies: readonly object[], encoding: FrameEncoding, first: boolean): Frame[] {
  if (encoding !== JSON_ARRAY) return bodies.map((body) => encoding.encode(body));
  return bodies.map((body, i) => `${first && i === 0 ? '[' : '\n,\r\n'}${JSON_ARRAY.encode(body)}`);
}

function streamPlan(generation: Generation, flavour: Flavour, encoding: FrameEncoding): StreamPlan {
  const ids = envelope(generation, flavour, base62Id('', 23), new Date().toISOString());
  const usage = (candidates: number, final: boolean) => {
    if (!generation.streamUsage) return {};
    if (flavour.vertex && !final) return { usageMetadata: { trafficType: 'ON_DEMAND' } };
    return { usageMetadata: { ...usageMetadata(generation, candidates), ...(flavour.vertex ? { trafficType: 'ON_DEMAND' } : {}) } };
  };
  const content = generation.tokens.map((token, i) => ({ candidates: [candidate(token)], ...usage(i + 1, false), ...ids }));
  const last = { candidates: [candidate('', FINISH_REASONS[generation.finishedBy])], ...usage(generation.outputTokens, true), ...ids };
  const arrayEnd = encoding === JSON_ARRAY ? ['\n]'] : [];
  return {
    head: [],
    content: frames(content, encoding, true),
    tail: () => [...frames([last], encoding, content.length === 0), ...arrayEnd],
  };
}

function geminiFormat(flavour: Flavour): WireFormat {
  return {
    provider: 'gemini',
    encoding: JSON_ARRAY,
    encodingFor: (query) => (query.get('alt') === 'sse' ? GOOGLE_SSE : JSON_ARRAY),
    // The path asks for a stream (:streamGenerateContent), never the body.
    wantsStream: () => false,
    maxOutputTokens: (body) => intField(generationConfig(body), 'maxOutputTokens'),
    usageRequested: () => true,
    streaming: {
      plan: (generation, encoding) => streamPlan(generation, flavour, encoding),
      midstreamError(_requestId, framesWritten, encoding) {
        const error = { error: googleError(500) };
        if (encoding !== JSON_ARRAY) return encoding.encode(error);
        return `${framesWritten === 0 ? '[' : '\n,\r\n'}${JSON_ARRAY.encode(error)}\n]`;
      },
    },
    wholeBody(generation) {
      const ids = envelope(generation, flavour, base62Id('', 23), new Date().toISOString());
      const usage = { ...usageMetadata(generation, generation.outputTokens), ...(flavour.vertex ? { trafficType: 'ON_DEMAND' } : {}) };
      return { candidates: [candidate(generation.text, FINISH_REASONS[generation.finishedBy])], usageMetadata: usage, ...ids };
    },
  };
}

export const geminiGenerate = geminiFormat({ vertex: false });
export const vertexGeminiGenerate = geminiFormat({ vertex: true });

function vector(index: number, dimensions: number): number[] {
  return Array.from({ length: dimensions }, (_, d) => Math.fround(Math.cos(index + 1 + d) / 2));
}

function embedFormat(embed: (body: JsonObject) => object): WireFormat {
  return wholeBodyFormat('gemini', (generation) => embed(generation.body));
}

const dimensionsOf = (request: unknown) => intField(request, 'outputDimensionality') ?? DEFAULT_DIMENSIONS;

/** embedContent: one vector; the prompt tokens, as Vertex AI and newer Gemini API models report them. */
export const geminiEmbedContent = embedFormat((body) => ({
  embedding: { values: vector(0, dimensionsOf(body)) },
  usageMetadata: { promptTokenCount: countPromptTokens(body) },
}));

/** batchEmbedContents: one vector per request. */
export const geminiBatchEmbedContents = embedFormat((body) => {
  const requests = Array.isArray(body.requests) ? body.requests : [];
  return {
    embeddings: requests.map((request, index) => ({ values: vector(index, dimensionsOf(request)) })),
    usageMetadata: { promptTokenCount: countPromptTokens(body) },
  };
});
