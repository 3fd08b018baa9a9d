// Cohere rerank: POST /v1/rerank and /v2/rerank. Never streams; the documents come back ordered by a
// deterministic relevance score, top_n of them; it bills search units, not tokens.
import { randomUUID } from 'node:crypto';
import { type Generation, intField } from '../generation.js';
import { type WireFormat, wholeBodyFormat } from '../wire-format.js';

function rerankFormat(version: '1' | '2'): WireFormat {
  return wholeBodyFormat('cohere', (generation: Generation) => {
    const { body } = generation;
    const count = Array.isArray(body.documents) ? body.documents.length : 0;
    const scored = Array.from({ length: count }, (_, index) => ({ index, relevance_score: Math.round((0.5 + Math.sin(index + 1) / 2) * 1e6) / 1e6 }));
    scored.sort((a, b) => b.relevance_score - a.relevance_score);
    return {
      id: randomUUID(),
      results: scored.slice(0, intField(body, 'top_n') ?? count),
      meta: { api_version: { version }, billed_units: { search_units: 1 } },
    };
  });
}

export const cohereRerankV1 = rerankFormat('1');
export const cohereRerankV2 = rerankFormat('2');
