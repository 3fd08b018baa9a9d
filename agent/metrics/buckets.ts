// Default histogram bucket boundaries, in seconds (token counts for the last one).
//
// Each latency set contains 0.05, 0.1, 0.2, 0.5, 1, 2 and 5 exactly: dashboards and alert rules use
// them as SLO thresholds (`le="0.5"`), so they must stay boundaries whatever else changes. Around them
// the sets follow the GenAI conventions' advisory buckets and vLLM's: fine at the low end, where a
// cached or small model answers, and reaching minutes at the top, where long generations and
// reasoning models live. Each latency set is overridable by an environment variable (../config/variables.ts).
import type { BucketsId } from './names.js';

/** The SLO thresholds every default latency set must keep as exact boundaries. */
export const SLO_BOUNDARIES: readonly number[] = [0.05, 0.1, 0.2, 0.5, 1, 2, 5];

export const DEFAULT_BUCKETS: Readonly<Record<BucketsId, readonly number[]>> = {
  // Time to first chunk: vLLM's TTFT set, densified around the SLO thresholds.
  firstToken: [
    0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 20, 40, 80, 160,
  ],
  // Whole call: from a cached embedding (tens of ms) to a long reasoning answer (ten minutes).
  generation: [
    0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 7.5, 10, 15, 20, 30, 45, 60, 90, 120, 180, 300, 600,
  ],
  // Mean time between chunks: vLLM's TPOT set, with a finer low end for fast local models.
  timePerToken: [
    0.001, 0.0025, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.04, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 2, 5,
    10, 30, 60,
  ],
  // gen_ai.client.token.usage: the conventions' advisory boundaries (powers of 4).
  tokenCount: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
};
