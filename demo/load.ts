// The demo's load generator: a fixed, reproducible list of requests to the sample service, sent a
// few at a time, bounded in count and in time. Each request carries the model's simulated schedule
// in x-sim-* headers (drawn from the model's profile), and a few ask the model for a 429.
import { SIM_HEADERS } from './simulator/index.js';
import { seededRandom } from './seeded-random.js';

interface Range {
  min: number;
  max: number;
}

/** How a model behaves in the demo: which route reaches it, and its latency profile. */
export interface ModelProfile {
  model: string;
  route: '/chat' | '/summarize';
  firstChunkMs: Range;
  intervalMs: Range;
  chunks: Range;
}

// Realistic shapes: a small model starts fast, a large one slower, and a long-context model slower still.
export const DEMO_MODELS: readonly ModelProfile[] = [
  { model: 'gpt-4o-mini', route: '/chat', firstChunkMs: { min: 200, max: 400 }, intervalMs: { min: 20, max: 26 }, chunks: { min: 24, max: 56 } },
  { model: 'gpt-4o', route: '/chat', firstChunkMs: { min: 350, max: 650 }, intervalMs: { min: 26, max: 34 }, chunks: { min: 24, max: 56 } },
  { model: 'claude-sonnet-4-5', route: '/summarize', firstChunkMs: { min: 450, max: 800 }, intervalMs: { min: 30, max: 40 }, chunks: { min: 16, max: 48 } },
];

/** The body field each route of the sample service reads the user's text from. */
const TEXT_FIELD: Readonly<Record<ModelProfile['route'], string>> = { '/chat': 'message', '/summarize': 'text' };

const PROMPTS = [
  'What is the difference between a span and a trace?',
  'Explain exemplars in Prometheus to a new engineer.',
  'Why does time to first token matter for chat applications?',
  'Give three tips for keeping metric cardinality low.',
];

/** Every ERROR_EVERY-th request (offset so the first few succeed) asks the model for a 429. */
const ERROR_EVERY = 10;
const ERROR_OFFSET = 7;
export const SIMULATED_ERROR = '429';

export interface PlannedRequest {
  index: number;
  model: string;
  route: ModelProfile['route'];
  body: Record<string, string>;
  headers: Record<string, string>;
  /** The model was asked to fail. */
  failureExpected: boolean;
}


export function planRequests(count: number, seed = 1): PlannedRequest[] {
  const random = seededRandom(seed);
  const pick = ({ min, max }: Range) => Math.round(min + random() * (max - min));
  return Array.from({ length: count }, (_, index) => {
    const profile = DEMO_MODELS[index % DEMO_MODELS.length]!;
    const prompt = PROMPTS[index % PROMPTS.length]!;
    const failureExpected = index % ERROR_EVERY === ERROR_OFFSET;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      [SIM_HEADERS.firstChunkMs]: String(pick(profile.firstChunkMs)),
      [SIM_HEADERS.intervalMs]: String(pick(profile.intervalMs)),
      [SIM_HEADERS.chunks]: String(pick(profile.chunks)),
      ...(failureExpected ? { [SIM_HEADERS.error]: SIMULATED_ERROR } : {}),
    };
    const body: Record<string, string> = { model: profile.model, [TEXT_FIELD[profile.route]]: prompt };
    return { index, model: profile.model, route: profile.route, body, headers, failureExpected };
  });
}

export interface RequestOutcome {
  request: PlannedRequest;
  /** The service's HTTP status, or undefined when no response came (refused, timed out, aborted). */
  status?: number;
  /** Why there was no response. */
  failure?: string;
  ms: number;
}

export interface LoadOptions {
  concurrency: number;
  /** Requests still running after this long are aborted and no new ones start. */
  deadlineMs: number;
  /** Aborts everything (Ctrl-C). */
  signal?: AbortSignal;
  onOutcome?: (outcome: RequestOutcome) => void;
}

function abortReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error && reason.name === 'TimeoutError' ? 'cut off by the load deadline' : 'aborted';
}

async function send(serviceUrl: string, request: PlannedRequest, signal: AbortSignal): Promise<RequestOutcome> {
  const started = performance.now();
  try {
    const response = await fetch(`${serviceUrl}${request.route}`, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body), signal });
    await response.arrayBuffer(); // the whole relayed stream
    return { request, status: response.status, ms: performance.now() - started };
  } catch (error) {
    const failure = signal.aborted ? abortReason(signal) : error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return { request, failure, ms: performance.now() - started };
  }
}

/** Sends the plan with at most `concurrency` requests in flight; outcomes in plan order. */
export async function runLoad(serviceUrl: string, plan: readonly PlannedRequest[], options: LoadOptions): Promise<RequestOutcome[]> {
  const stop = AbortSignal.any([AbortSignal.timeout(options.deadlineMs), ...(options.signal ? [options.signal] : [])]);
  const outcomes: RequestOutcome[] = new Array(plan.length);
  let next = 0;
  const worker = async () => {
    while (next < plan.length && !stop.aborted) {
      const position = next++;
      const outcome = await send(serviceUrl, plan[position]!, stop);
      outcomes[position] = outcome;
      options.onOutcome?.(outcome);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, plan.length)) }, worker));
  return outcomes.filter((outcome) => outcome !== undefined);
}

/** Requests of one plan cycle of the steady load: a multiple of the three models and of ERROR_EVERY. */
const STEADY_CYCLE = 60;

/** The plan, cycle after cycle, each with a seed of its own: the same mix of models and 429s, fresh latencies. */
function* endlessPlan(): Generator<PlannedRequest> {
  for (let cycle = 0; ; cycle++) {
    for (const request of planRequests(STEADY_CYCLE, cycle + 1)) yield { ...request, index: cycle * STEADY_CYCLE + request.index };
  }
}

export interface SteadyLoadOptions {
  /** Requests started per second, whether or not earlier ones have ended. */
  ratePerSecond: number;
  /** A tick that finds this many requests in flight starts none (counted in `skipped`). */
  maxInFlight: number;
  /** A request still running after this long is aborted. */
  requestTimeoutMs: number;
  onOutcome(outcome: RequestOutcome): void;
}

export interface SteadyLoad {
  /** Ticks skipped so far because `maxInFlight` requests were running. */
  readonly skipped: number;
  /**
   * Starts no more requests, gives those in flight up to `drainMs` to end, then aborts the rest;
   * resolves once all have ended. Calling it again waits for the same end.
   */
  stop(drainMs: number): Promise<void>;
}

/** Sends the demo's plan without end at a steady rate (open loop, like real traffic) until stopped. */
export function startSteadyLoad(serviceUrl: string, options: SteadyLoadOptions): SteadyLoad {
  const plan = endlessPlan();
  const abort = new AbortController();
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / options.ratePerSecond;
  const began = performance.now();
  let ticks = 0;
  let skipped = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped: Promise<void> | undefined;

  const tick = () => {
    ticks++;
    if (inFlight.size >= options.maxInFlight) {
      skipped++;
    } else {
      const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(options.requestTimeoutMs)]);
      const request = send(serviceUrl, plan.next().value!, signal).then((outcome) => {
        inFlight.delete(request);
        options.onOutcome(outcome);
      });
      inFlight.add(request);
    }
    // Scheduled against the start, so the rate does not drift with timer lateness.
    timer = setTimeout(tick, Math.max(0, began + ticks * intervalMs - performance.now()));
  };
  tick();

  return {
    get skipped() {
      return skipped;
    },
    stop(drainMs) {
      stopped ??= (async () => {
        clearTimeout(timer);
        const drained = Promise.all(inFlight);
        let drainTimer: NodeJS.Timeout | undefined;
        await Promise.race([drained, new Promise<void>((resolve) => (drainTimer = setTimeout(resolve, drainMs)))]);
        clearTimeout(drainTimer);
        abort.abort();
        await drained;
      })();
      return stopped;
    },
  };
}
