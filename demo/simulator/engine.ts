// The simulated model server behind the wire formats: one engine per model name, as if each model
// were its own vLLM server. An engine runs at most `maxRunning` calls at once and keeps what they
// may hold in its KV cache within `kvCacheTokens`; the others wait, first come first served. The
// engine's state and the call records' times are all that /metrics reports (vllm-metrics.ts).
//
// What each call holds in the KV cache is its prompt tokens plus the tokens written so far: the
// context a real server keeps per sequence. A call is scheduled only when its whole budget (prompt
// plus planned output) fits beside the budgets of the running calls, or when nothing runs, so the
// usage never exceeds 1. (vLLM allocates blocks step by step and preempts when they run out; the
// simulator reserves up front instead and never preempts.)
import type { Generation } from './generation.js';
import type { Call } from './responder.js';
import type { SimCallRecord, SimSchedule } from './types.js';
import { EngineStats, type EngineSnapshot, type FinishReason } from './vllm-metrics.js';

export const DEFAULT_KV_CACHE_TOKENS = 65_536;

export interface EngineLimits {
  maxRunning: number;
  kvCacheTokens: number;
}

interface Admission {
  record: SimCallRecord;
  /** Prompt plus planned output tokens: what the call may come to hold. */
  budget: number;
  admit(scheduled: boolean): void;
}

/** How a call that reached an engine ended, in vLLM's `finished_reason` terms. */
function finishReason(record: SimCallRecord, schedule: SimSchedule, generation: Generation): FinishReason {
  // The client left (before the response ended, hung streams included).
  if (record.aborted) return 'abort';
  // The simulated failures that break a started response: the server failed the request.
  if (schedule.error === 'truncate' || schedule.error === 'midstream' || schedule.error === 'malformed') return 'error';
  return generation.finishedBy;
}

export class Engine {
  readonly model: string;
  readonly stats = new EngineStats();
  readonly #limits: EngineLimits;
  readonly #waiting: Admission[] = [];
  readonly #running = new Map<SimCallRecord, number>();
  #reserved = 0;

  constructor(model: string, limits: EngineLimits) {
    this.model = model;
    this.#limits = limits;
  }

  /**
   * Queues the call and resolves once the engine runs it (true), or when its client left while it
   * waited (false). From here to the response's end the engine accounts for the call.
   */
  schedule(call: Call, generation: Generation): Promise<boolean> {
    const { record } = call;
    // The client left while the body was read: nothing to run, and no close event left to end it.
    if (call.writer.gone) return Promise.resolve(false);
    record.promptTokens = generation.inputTokens;
    call.onFirstContent = () => this.#firstContent(record);
    call.res.once('close', () => this.#finish(record, finishReason(record, call.schedule, generation)));
    return new Promise<boolean>((admit) => {
      this.#waiting.push({ record, budget: generation.inputTokens + generation.outputTokens, admit });
      this.#admitWaiting();
    });
  }

  snapshot(): EngineSnapshot {
    let held = 0;
    let written = 0;
    for (const record of this.#running.keys()) {
      held += (record.promptTokens ?? 0) + record.outputTokens;
      written += record.outputTokens;
    }
    return {
      model: this.model,
      running: this.#running.size,
      waiting: this.#waiting.length,
      kvCacheUsage: held / this.#limits.kvCacheTokens,
      generationTokens: this.stats.finishedOutputTokens + written,
      stats: this.stats,
    };
  }

  #admitWaiting(): void {
    const { maxRunning, kvCacheTokens } = this.#limits;
    while (this.#waiting.length > 0 && this.#running.size < maxRunning) {
      const next = this.#waiting[0]!;
      if (this.#running.size > 0 && this.#reserved + next.budget > kvCacheTokens) return;
      this.#waiting.shift();
      next.record.scheduledAt = performance.timeOrigin + performance.now();
      this.#running.set(next.record, next.budget);
      this.#reserved += next.budget;
      next.admit(true);
    }
  }

  /** The first content write ends the prefill: time to first token, and the prompt is processed. */
  #firstContent(record: SimCallRecord): void {
    this.stats.timeToFirstToken.observe((record.firstContentWrittenAt! - record.receivedAt) / 1000);
    this.stats.promptTokens += record.promptTokens ?? 0;
  }

  #finish(record: SimCallRecord, reason: FinishReason): void {
    const endedAt = record.endedAt!;
    const budget = this.#running.get(record);
    if (budget === undefined) {
      // Its client left while it waited: it never ran, and it waited until then.
      const index = this.#waiting.findIndex((entry) => entry.record === record);
      if (index < 0) return;
      const [left] = this.#waiting.splice(index, 1);
      this.stats.queueTime.observe((endedAt - record.receivedAt) / 1000);
      left!.admit(false);
    } else {
      this.#running.delete(record);
      this.#reserved -= budget;
      this.stats.queueTime.observe((record.scheduledAt! - record.receivedAt) / 1000);
      // A call that ended before its first content write still had its prompt processed.
      if (record.firstContentWrittenAt === null) this.stats.promptTokens += record.promptTokens ?? 0;
      this.stats.finishedOutputTokens += record.outputTokens;
    }
    this.stats.e2eLatency.observe((endedAt - record.receivedAt) / 1000);
    this.stats.finished[reason]++;
    this.#admitWaiting();
  }
}

/** The engines of one simulator, created as models are first called. */
export class Engines {
  readonly #limits: EngineLimits;
  readonly #byModel = new Map<string, Engine>();

  constructor(limits: EngineLimits) {
    this.#limits = limits;
  }

  for(model: string): Engine {
    let engine = this.#byModel.get(model);
    if (!engine) {
      engine = new Engine(model, this.#limits);
      this.#byModel.set(model, engine);
    }
    return engine;
  }

  snapshot(): EngineSnapshot[] {
    return [...this.#byModel.values()].map((engine) => engine.snapshot());
  }
}
