// The agent's own voice on stderr. It must never be noisy in the host's logs: warnings and errors
// about the same thing are written once (keyed), and nothing is ever thrown from here.
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';

/** Every line the agent writes starts with this, so it can be told apart in a service's logs. */
export const LOG_PREFIX = '[llm-otel-agent]';
/** The error code of exports the shutdown abandoned (export-connections.ts). */
export const EXPORT_ABANDONED = 'LLM_OTEL_EXPORT_ABANDONED';
const said = new Set<string>();
let level: DiagLogLevel = DiagLogLevel.INFO;

export function setLogLevel(next: DiagLogLevel): void {
  level = next;
}

function write(line: string): void {
  try {
    process.stderr.write(`${LOG_PREFIX} ${line}\n`);
  } catch {
    // stderr closed: nothing sensible left to do.
  }
}

export const log = {
  error(message: string): void {
    if (level >= DiagLogLevel.ERROR) write(`error: ${message}`);
  },
  warn(message: string): void {
    if (level >= DiagLogLevel.WARN) write(`warning: ${message}`);
  },
  info(message: string): void {
    if (level >= DiagLogLevel.INFO) write(message);
  },
  debug(message: string): void {
    if (level >= DiagLogLevel.DEBUG) write(`debug: ${message}`);
  },
  /** Writes the message the first time `key` is seen, then stays quiet about it. */
  once(kind: 'error' | 'warn' | 'info', key: string, message: string): void {
    if (said.has(key)) return;
    if (said.size > 1000) said.clear(); // bounded, even if keys are unbounded by mistake
    said.add(key);
    log[kind](message);
  },
};

/**
 * Runs `fn` and swallows anything it throws, logging the first failure of each `where`.
 * Every agent callback that runs on the application's call path goes through this.
 */
export function guard<T>(where: string, fn: () => T): T | undefined {
  try {
    return fn();
  } catch (err) {
    reportInternalError(where, err);
    return undefined;
  }
}

/** What guard() does with a failure; hot paths call it from their own try/catch to avoid a closure per call. */
export function reportInternalError(where: string, err: unknown): void {
  log.once('error', `guard:${where}`, `internal error in ${where} (ignored, the application is unaffected): ${describe(err)}`);
}

export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/**
 * The OpenTelemetry SDK's own diagnostics, routed through the same once-per-message rule: an
 * unreachable collector makes the exporter fail every few seconds, and that must cost one line.
 */
export function createDiagLogger(): DiagLogger {
  const onceBy = (kind: 'error' | 'warn' | 'info') => (message: string, ...args: unknown[]) => {
    const text = [message, ...args.map((a) => (a instanceof Error ? describe(a) : safeString(a)))].join(' ');
    // The shutdown's own warning already said that pending telemetry was dropped.
    if (text.includes(EXPORT_ABANDONED)) return;
    // Numbers (retry delays, ports, error numbers) vary between otherwise identical messages.
    log.once(kind, `diag:${kind}:${text.replace(/\d+/g, '#').slice(0, 120)}`, `opentelemetry: ${text}`);
  };
  return {
    error: onceBy('error'),
    warn: onceBy('warn'),
    info: onceBy('info'),
    debug: (message: string) => log.debug(`opentelemetry: ${message}`),
    verbose: (message: string) => log.debug(`opentelemetry: ${message}`),
  };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function installDiagLogger(logLevel: DiagLogLevel): void {
  setLogLevel(logLevel);
  diag.setLogger(createDiagLogger(), { logLevel, suppressOverrideMessage: true });
}
