// Starts the agent once per process: configuration, the SDK with its extensions, and the shutdown
// handlers. Never throws: if anything here fails, the application starts without the agent.
import { formatBadValue, readConfig, type Env, type WarnBadValue } from './config.js';
import { describe, installDiagLogger, log } from './log.js';
import { startSdk, type RunningAgent } from './sdk.js';
import { AgentMetrics } from './telemetry.js';
import { installShutdownHandlers } from './shutdown.js';
import { mainThreadAgent } from './worker-threads.js';

const STARTED = Symbol.for('llm-otel-agent.started');

export function startAgent(env: Env = process.env): RunningAgent | undefined {
  const globals = globalThis as { [STARTED]?: RunningAgent | null };
  if (globals[STARTED] !== undefined) return globals[STARTED] ?? undefined; // --import and --require both given
  globals[STARTED] = null;
  try {
    // Held until OTEL_LOG_LEVEL is known, so `none` silences these warnings too.
    const badValues: string[] = [];
    const warn: WarnBadValue = (variable, value, fallback, reason) => badValues.push(formatBadValue(variable, value, fallback, reason));
    const config = readConfig(env, warn);
    // Fault injection for the "the agent fails, the application still runs" tests.
    if (config.testFault === 'start') throw new Error('injected start-up fault (LLM_OTEL_TEST_FAULT=start)');
    installDiagLogger(config.logLevel);
    for (const message of badValues) log.warn(message);
    if (config.disabled) {
      log.debug('OTEL_SDK_DISABLED is true: the agent stays off');
      return undefined;
    }
    const mainThread = mainThreadAgent();
    const agent = startSdk(config, new AgentMetrics(config, mainThread), mainThread);
    installShutdownHandlers(agent.shutdown, () => agent.modelCalls.endAll());
    globals[STARTED] = agent;
    return agent;
  } catch (err) {
    log.error(`the agent failed to start and is off; the application runs without it: ${describe(err)}`);
    return undefined;
  }
}
