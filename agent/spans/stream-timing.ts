// Time to first chunk and time per output chunk, shared by the HTTP recorder and the in-process
// API. Hot path: `mark` is called once per content event and allocates nothing.
import type { Attributes } from '@opentelemetry/api';
import * as attr from '../semconv.js';

export class StreamTiming {
  private firstContentAt = -1;
  private lastContentAt = -1;
  private contentEvents = 0;
  private maxGapMs = 0;

  /** A content event arrived at `at` (performance.now()). */
  mark(at: number): void {
    if (this.firstContentAt < 0) {
      this.firstContentAt = at;
    } else {
      const gap = at - this.lastContentAt;
      if (gap > this.maxGapMs) this.maxGapMs = gap;
    }
    this.lastContentAt = at;
    this.contentEvents++;
  }

  get chunks(): number {
    return this.contentEvents;
  }

  /** Span attributes, with times in seconds from `startedAt` (performance.now() when the call began). */
  attributes(startedAt: number, outputTokensKnown: boolean): Attributes {
    const out: Attributes = {};
    if (this.firstContentAt < 0) return out;
    out[attr.GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = (this.firstContentAt - startedAt) / 1000;
    out[attr.LLM_RESPONSE_CHUNK_COUNT] = this.contentEvents;
    if (this.contentEvents > 1) {
      out[attr.LLM_TIME_PER_OUTPUT_CHUNK_MEAN] = (this.lastContentAt - this.firstContentAt) / (this.contentEvents - 1) / 1000;
      out[attr.LLM_TIME_PER_OUTPUT_CHUNK_MAX] = this.maxGapMs / 1000;
    }
    // A stream without usage: one content event is about one token. Never written as gen_ai.usage.*.
    if (!outputTokensKnown) out[attr.LLM_USAGE_OUTPUT_TOKENS_ESTIMATE] = this.contentEvents;
    return out;
  }
}
