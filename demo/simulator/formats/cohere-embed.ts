// Cohere embed: POST /v1/embed and /v2/embed. Never streams. v1 answers a list of float vectors
// unless embedding_types is given; v2 (and v1 with embedding_types) an object of vectors by type.
import { randomUUID } from 'node:crypto';
import type { Generation, JsonObject } from '../generation.js';
import { type WireFormat, wholeBodyFormat } from '../wire-format.js';

const DIMENSIONS = 8;

function inputs(body: JsonObject): string[] {
  return Array.isArray(body.texts) ? body.texts.map(String) : [];
}

function vector(index: number, type: string): number[] {
  return Array.from({ length: DIMENSIONS }, (_, d) => {
    const value = Math.sin(index + 1 + d) / 2;
    return type === 'float' ? Math.fround(value) : Math.round(value * 127);
  });
}

function embedFormat(version: '1' | '2'): WireFormat {
  return wholeBodyFormat('cohere', (generation: Generation) => {
    const { body } = generation;
    const texts = inputs(body);
    const types = Array.isArray(body.embedding_types) ? body.embedding_types.map(String) : undefined;
    const meta = { api_version: { version }, billed_units: { input_tokens: generation.inputTokens } };
    if (version === '1' && types === undefined) {
      return { response_type: 'embeddings_floats', id: randomUUID(), texts, embeddings: texts.map((_, i) => vector(i, 'float')), meta };
    }
    const embeddings = Object.fromEntries((types ?? ['float']).map((type) => [type, texts.map((_, i) => vector(i, type))]));
    return { ...(version === '1' ? { response_type: 'embeddings_by_type' } : {}), id: randomUUID(), texts, embeddings, meta };
  });
}

export const cohereEmbedV1 = embedFormat('1');
export const cohereEmbedV2 = embedFormat('2');
