// `llm-otel-agent demo`: reads the demo's knobs, runs it, and turns Ctrl-C into a clean stop.
// Resolves with the exit code: 0 done, 1 failed, 2 bad settings, 130 interrupted.
import type { Env } from '../agent/config.js';
import { DemoAborted, DemoFailure, runDemo, type DemoOutput } from './run-demo.js';
import { DEFAULT_DEMO_SETTINGS, DEMO_ENV, DemoSettingsError, demoSettingsFromEnv, type DemoSettings } from './settings.js';

export const DEMO_USAGE = `llm-otel-agent demo

Runs a sample chat service with the agent preloaded against a built-in model simulator, sends it a
short load, then prints the LLM metrics its /metrics endpoint shows and the exemplar traces they
point to. Needs no network, no Docker and no collector; takes about half a minute.

Environment:
  ${DEMO_ENV.requests}      requests to send (default ${DEFAULT_DEMO_SETTINGS.requests})
  ${DEMO_ENV.concurrency}   requests in flight at once (default ${DEFAULT_DEMO_SETTINGS.concurrency})
  ${DEMO_ENV.timeoutSeconds}     the load stops after this many seconds (default ${DEFAULT_DEMO_SETTINGS.loadDeadlineMs / 1000})
`;

export async function demoCommand(env: Env, output: DemoOutput, errors: DemoOutput): Promise<number> {
  let settings: DemoSettings;
  try {
    settings = demoSettingsFromEnv(env);
  } catch (error) {
    if (!(error instanceof DemoSettingsError)) throw error;
    errors.write(`demo: bad setting\n  ${error.message.replace(/\n/g, '\n  ')}\n`);
    return 2;
  }

  const interrupt = new AbortController();
  const onSignal = () => {
    if (interrupt.signal.aborted) {
      // A second Ctrl-C: the user wants out now. The child got the same signal from the terminal.
      process.exit(130);
    }
    errors.write('\nInterrupted: stopping the service, the receiver and the simulator (Ctrl-C again to quit at once)\n');
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await runDemo(settings, output, interrupt.signal);
    return 0;
  } catch (error) {
    if (error instanceof DemoAborted) return 130;
    const message = error instanceof DemoFailure ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
    errors.write(`\ndemo failed: ${message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
