// OpenAI Embeddings: POST /v1/embeddings. Never streams; vectors are deterministic per input index.
import { type Generation, type JsonObject, intField } from '../generation.js';
import { type WireFormat, wholeBodyFormat } from '../wire-format.js';

const DEFAULT_DIMENSIONS = 8;

function inputCount(body: JsonObject): number {
  return Array.isArray(body.input) && typeof body.input[0] !== 'number' ? body.input.length : 1;
}

function vector(index: number, dimensions: number): number[] {
  return Array.from({ length: dimensions }, (_, d) => Math.fround(Math.sin(index + 1 + d) / 2));
}

/** The SDK asks for base64 by default: little-endian float32, as OpenAI sends it. */
function base64Vector(values: number[]): string {
  return Buffer.from(new Float32Array(values).buffer).toString('base64');
}

export const openAIEmbeddings: WireFormat = wholeBodyFormat('openai', (generation: Generation) => {
  const { body } = generation;
  const dimensions = intField(body, 'dimensions') ?? DEFAULT_DIMENSIONS;
  const asBase64 = body.encoding_format === 'base64';
  const data = Array.from({ length: inputCount(body) }, (_, index) => {
    const values = vector(index, dimensions);
    return { object: 'embedding', index, embedding: asBase64 ? base64Vector(values) : values };
  });
  return {
    object: 'list',
    data,
    model: generation.model,
    usage: { prompt_tokens: generation.inputTokens, total_tokens: generation.inputTokens },
  };
});
