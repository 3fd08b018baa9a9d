// `llm-otel-agent demo --serve`: the demo as a long-running service, for the compose stack. The model
// simulator listens where DEMO_SIMULATOR_HOST/PORT say (Prometheus scrapes its vLLM /metrics), the
// chat service runs under the agent configured by this process's own OTEL_* and LLM_OTEL_* variables
// (traces to the collector, /metrics where Prometheus scrapes it), and the demo's planned load goes
// on at DEMO_RATE requests per second until SIGTERM or SIGINT. One summary line a minute at most.
import { readConfig, type Env } from '../agent/config.js';
import { Cleanup } from './cleanup.js';
import { DemoFailure, gpuInterval, gpuLine, SERVICE_NAME, SERVICE_STOP_GRACE_MS, serviceLine, serviceOutput, startDemoStack } from './demo-stack.js';
import { DEMO_MODELS, SIMULATED_ERROR, startSteadyLoad, type RequestOutcome } from './load.js';
import { summarizeOutcomes, unexpectedOutcomes } from './report.js';
import type { DemoOutput } from './run-demo.js';
import type { ServeSettings } from './settings.js';
import { METRICS_PATH } from './simulator/index.js';

export const SUMMARY_INTERVAL_MS = 60_000;
/** Requests in flight at most; at 2 per second about four are (a call takes up to about 2.5 s). */
const MAX_IN_FLIGHT = 64;
const REQUEST_TIMEOUT_MS = 30_000;
/** On a stop, the calls in flight get this long to end before they are aborted. */
const DRAIN_MS = 3_000;
/** A service that died of the signal this process is about to get (Ctrl-C reaches both) is no failure. */
const SIGNAL_RACE_MS = 1_000;

/** The variables the agent reads, as this process has them: they configure the service's agent. */
export function telemetryEnv(env: Env): Record<string, string> {
  const passed: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && (name.startsWith('OTEL_') || name.startsWith('LLM_OTEL_'))) passed[name] = value;
  }
  return passed;
}

/** The agent's settings in the service: the demo's defaults under whatever this process was given. */
function agentEnv(env: Env, gpu: boolean): Record<string, string> {
  return { OTEL_SERVICE_NAME: SERVICE_NAME, LLM_OTEL_GPU_INTERVAL: gpuInterval(gpu), ...telemetryEnv(env) };
}

/** Where the agent in the service sends and shows its telemetry, read as the agent reads it. */
function telemetryLines(serviceEnv: Record<string, string>): string[] {
  const config = readConfig(serviceEnv, () => undefined);
  const lines: string[] = [];
  if (config.metricsExporters.includes('prometheus')) {
    lines.push(`  /metrics         http://${config.prometheusHost}:${config.prometheusPort}/metrics  the agent's Prometheus endpoint, inside the service`);
  }
  const traces = config.tracesExporters.includes('otlp') ? `OTLP ${config.otlpTracesProtocol} to ${config.otlpTracesUrl}` : config.tracesExporters.join(', ');
  lines.push(`  traces           ${traces}  (service.name ${serviceEnv.OTEL_SERVICE_NAME})`);
  return lines;
}

/** Outcomes since the last summary, and counts since the start (the outcomes themselves are not kept). */
class Tally {
  private window: RequestOutcome[] = [];
  private total = 0;
  private unexpected = 0;

  add(outcome: RequestOutcome): void {
    this.window.push(outcome);
    this.total++;
  }

  /** E.g. `last 60 s: 120 requests, 108 answered 200, 12 answered 502 (12 asked the model for a 429); 840 in all`. */
  summary(windowLabel: string): string {
    const window = this.window.splice(0);
    this.unexpected += unexpectedOutcomes(window).length;
    const counts = window.length > 0 ? `${window.length} requests, ${summarizeOutcomes(window)}` : 'no requests ended';
    const odd = this.unexpected > 0 ? `, ${this.unexpected} not as planned` : '';
    return `${windowLabel}: ${counts}; ${this.total} in all${odd}`;
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** E.g. `42 s`, `17.5 min`. */
function duration(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Runs until `signal` aborts, then stops everything and resolves; rejects with DemoFailure if the service dies. */
export async function serveDemo(settings: ServeSettings, env: Env, output: DemoOutput, signal: AbortSignal): Promise<void> {
  const say = (line = '') => output.write(`${line}\n`);
  const cleanup = new Cleanup();
  const began = performance.now();
  try {
    let serviceEnv: Record<string, string> = {};
    const stack = await startDemoStack(cleanup, {
      simulatorHost: settings.simulatorHost,
      simulatorPort: settings.simulatorPort,
      agentEnv: (gpu) => (serviceEnv = agentEnv(env, gpu)),
    });
    if (signal.aborted) return;

    const tally = new Tally();
    const load = startSteadyLoad(stack.service.url, {
      ratePerSecond: settings.ratePerSecond,
      maxInFlight: MAX_IN_FLIGHT,
      requestTimeoutMs: REQUEST_TIMEOUT_MS,
      onOutcome: (outcome) => tally.add(outcome),
    });
    cleanup.add('load', () => load.stop(DRAIN_MS));

    say('llm-otel-agent demo --serve: the chat service under the agent, a model simulator and a steady load, until SIGTERM');
    say(`  model simulator  ${stack.simulator.url}  OpenAI and Anthropic wire formats; vLLM metrics on ${METRICS_PATH}`);
    say(serviceLine(stack));
    for (const line of telemetryLines(serviceEnv)) say(line);
    say(gpuLine(stack));
    say(`  load             ${settings.ratePerSecond} requests/s over ${DEMO_MODELS.map((profile) => profile.model).join(', ')}; one in ten asks the model for a ${SIMULATED_ERROR}`);
    say(`  (a summary line every ${SUMMARY_INTERVAL_MS / 1000} s)`);

    const summaries = setInterval(() => say(`${new Date().toISOString()}  ${tally.summary(`last ${SUMMARY_INTERVAL_MS / 1000} s`)}`), SUMMARY_INTERVAL_MS);
    cleanup.add('summaries', async () => clearInterval(summaries));

    const exit = await Promise.race([aborted(signal).then(() => undefined), stack.service.exited]);
    if (exit && !signal.aborted) await Promise.race([aborted(signal), delay(SIGNAL_RACE_MS)]);
    if (exit && !signal.aborted) {
      throw new DemoFailure(`the chat service exited (code ${exit.code}, signal ${exit.signal})${serviceOutput(stack.service)}`);
    }
    clearInterval(summaries);
    await load.stop(DRAIN_MS);
    await stack.service.stop(SERVICE_STOP_GRACE_MS);
    say(`Stopped after ${duration(performance.now() - began)} (the agent flushed its spans); ${tally.summary('since the last summary')}${load.skipped > 0 ? `; ${load.skipped} ticks skipped, ${MAX_IN_FLIGHT} requests in flight` : ''}`);
  } finally {
    const failures = await cleanup.run();
    if (failures.length > 0) say(`(while stopping: ${failures.join('; ')})`);
  }
}
