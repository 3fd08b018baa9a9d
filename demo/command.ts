// `llm-otel-agent demo` and `demo --serve`: read the demo's knobs, run it, and turn Ctrl-C (or an
// orchestrator's SIGTERM) into a clean stop.
// `demo` resolves with the exit code: 0 done, 1 failed, 2 bad settings, 130 interrupted.
// `demo --serve` runs until a signal: 0 stopped by it, 1 failed, 2 bad settings.
import type { Env } from '../agent/config.js';
import { DemoAborted, DemoFailure, runDemo, type DemoOutput } from './run-demo.js';
import { serveDemo, SUMMARY_INTERVAL_MS } from './serve.js';
import {
  DEFAULT_DEMO_SETTINGS,
  DEFAULT_SERVE_SETTINGS,
  DEMO_ENV,
  DemoSettingsError,
  demoSettingsFromEnv,
  SERVE_ENV,
  serveSettingsFromEnv,
} from './settings.js';

export const DEMO_USAGE = `llm-otel-agent demo [--serve]

Runs a sample chat service with the agent preloaded against a built-in model simulator, sends it a
short load, then prints the LLM metrics its /metrics endpoint shows and the exemplar traces they
point to. Needs no network, no Docker and no collector; takes about half a minute.

Environment:
  ${DEMO_ENV.requests}      requests to send (default ${DEFAULT_DEMO_SETTINGS.requests})
  ${DEMO_ENV.concurrency}   requests in flight at once (default ${DEFAULT_DEMO_SETTINGS.concurrency})
  ${DEMO_ENV.timeoutSeconds}     the load stops after this many seconds (default ${DEFAULT_DEMO_SETTINGS.loadDeadlineMs / 1000})

--serve: keeps running (the app of the docker compose stack) until SIGTERM or SIGINT, then stops the
load and the service (the agent flushes) and exits 0. The agent in the service is configured by this
environment's OTEL_* and LLM_OTEL_* variables (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME,
OTEL_EXPORTER_PROMETHEUS_HOST/PORT, ...); the load is the demo's plan, without end. Prints one
summary line every ${SUMMARY_INTERVAL_MS / 1000} s.

Environment (--serve):
  ${SERVE_ENV.simulatorHost}   the model simulator's interface (default ${DEFAULT_SERVE_SETTINGS.simulatorHost})
  ${SERVE_ENV.simulatorPort}   its port, also serving vLLM's /metrics (default ${DEFAULT_SERVE_SETTINGS.simulatorPort}: any free port)
  ${SERVE_ENV.rate}             requests per second (default ${DEFAULT_SERVE_SETTINGS.ratePerSecond})
`;

/** Settings from the environment; undefined (after saying why) when a value is bad. */
function settingsOrReport<T>(read: () => T, errors: DemoOutput): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof DemoSettingsError)) throw error;
    errors.write(`demo: bad setting\n  ${error.message.replace(/\n/g, '\n  ')}\n`);
    return undefined;
  }
}

function failureMessage(error: unknown): string {
  return error instanceof DemoFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
}

/**
 * Runs `run` with a signal that SIGINT and SIGTERM abort (after writing `stopping`); a second one
 * exits at once with 130. The handlers are removed when `run` settles.
 */
async function untilSignal<T>(errors: DemoOutput, stopping: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) {
      // A second Ctrl-C: the user wants out now. The child got the same signal from the terminal.
      process.exit(130);
    }
    errors.write(stopping);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await run(interrupt.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export async function demoCommand(env: Env, output: DemoOutput, errors: DemoOutput): Promise<number> {
  const settings = settingsOrReport(() => demoSettingsFromEnv(env), errors);
  if (!settings) return 2;
  const stopping = '\nInterrupted: stopping the service, the receiver and the simulator (Ctrl-C again to quit at once)\n';
  return untilSignal(errors, stopping, async (signal) => {
    try {
      await runDemo(settings, output, signal);
      return 0;
    } catch (error) {
      if (error instanceof DemoAborted) return 130;
      errors.write(`\ndemo failed: ${failureMessage(error)}\n`);
      return 1;
    }
  });
}

export async function demoServeCommand(env: Env, output: DemoOutput, errors: DemoOutput): Promise<number> {
  const settings = settingsOrReport(() => serveSettingsFromEnv(env), errors);
  if (!settings) return 2;
  return untilSignal(errors, 'Stopping: the load, then the service (the agent flushes), then the simulator\n', async (signal) => {
    try {
      await serveDemo(settings, env, output, signal);
      return 0;
    } catch (error) {
      errors.write(`\ndemo --serve failed: ${failureMessage(error)}\n`);
      return 1;
    }
  });
}
