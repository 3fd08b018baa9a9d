// Public types of the model simulator (treated as API: tests, the benchmark and the demo use them).

/** Which provider's wire format a call was answered in. */
export type SimProvider = 'openai' | 'anthropic' | 'ollama' | 'gemini' | 'cohere' | 'bedrock';

/** Failure a call is asked to simulate (`x-sim-error`). */
export type SimErrorMode = '429' | '500' | '400' | 'malformed' | 'truncate' | 'hang' | 'midstream';

/** How one call is answered; each field can be set per call by an `x-sim-*` request header. */
export interface SimSchedule {
  /** Delay before the first content chunk (`x-sim-first-chunk-ms`). */
  firstChunkMs: number;
  /** Delay between content chunks (`x-sim-interval-ms`). */
  intervalMs: number;
  /** Number of content chunks, one token each; also the output token count (`x-sim-chunks`). */
  chunks: number;
  /** `omit` leaves usage out of streamed responses (`x-sim-usage`). */
  usage: 'include' | 'omit';
  /** Failure to simulate, or null (`x-sim-error`). */
  error: SimErrorMode | null;
  /** Split writes inside a multi-byte UTF-8 character (`x-sim-split-utf8: 1`). */
  splitUtf8: boolean;
  /**
   * Each frame in its own socket write, one event-loop turn after the one before it
   * (`x-sim-separate-writes: 1`), as a provider writes each event when it is generated. Without it
   * and without an interval, a whole stream leaves in one write and arrives as one chunk.
   */
  separateWrites: boolean;
  /** Recording file (in the replay directory) to send instead of generated text (`x-sim-replay`). */
  replay: string | null;
}

/** What the simulator observed and did for one call. Times are epoch ms with sub-ms precision. */
export interface SimCallRecord {
  /** The x-request-id sent back with the response. */
  id: string;
  path: string;
  provider: SimProvider;
  model: string | null;
  stream: boolean;
  status: number;
  error: SimErrorMode | null;
  receivedAt: number;
  /** Taken right after the first content chunk (or a whole non-streamed body) was written. */
  firstContentWrittenAt: number | null;
  endedAt: number | null;
  /** Content chunks written (a whole non-streamed body counts as one). */
  chunks: number;
  /**
   * When the call's model engine took it from its queue and began generating (see `maxRunning`);
   * null until then, and for calls no engine runs (simulated 429/500/400, replays, bad requests).
   */
  scheduledAt: number | null;
  /** Prompt tokens the engine processes (`countPromptTokens` of the body); null for calls no engine runs. */
  promptTokens: number | null;
  /** Generated tokens written: one per streamed content chunk, all of a whole body's at once. */
  outputTokens: number;
  /** The client went away before the response ended. */
  aborted: boolean;
  /** The HTTP version the call came in over: `1.1`, or `2.0` for HTTP/2 (h2c, see server.ts). */
  httpVersion: string;
}

export interface ModelSimulatorOptions {
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Defaults to 0 (a free port). */
  port?: number;
  /** Server-wide schedule; request headers override it per call. */
  defaults?: Partial<SimSchedule>;
  /** Directory of recordings (`{source, license, request, response}` JSON) for `x-sim-replay`. */
  replayDir?: string;
  /**
   * Calls each model's engine runs at once (vLLM's `--max-num-seqs`); later calls wait in its queue,
   * first come first served, and that wait is their queue time. Defaults to no limit.
   */
  maxRunning?: number;
  /**
   * KV-cache capacity of each model's engine, in tokens (default 65,536). A call is scheduled only when
   * its prompt and planned output fit beside what the running calls reserved (or when nothing runs).
   */
  kvCacheTokens?: number;
}

export interface ModelSimulator {
  /** Base URL, e.g. http://127.0.0.1:12345 (OpenAI clients add /v1). */
  url: string;
  port: number;
  /** Live list of call records; `DELETE /_sim/calls` empties it in place. */
  calls: SimCallRecord[];
  close(): Promise<void>;
}
