// The demo's few knobs, read from the environment with the agent's own validating reader. Unlike
// the agent, the demo refuses a bad value: a person typed it just now and wants to know.
import { EnvReader, type Env } from '../agent/config.js';

export const DEMO_ENV = {
  requests: 'DEMO_REQUESTS',
  concurrency: 'DEMO_CONCURRENCY',
  timeoutSeconds: 'DEMO_TIMEOUT_S',
} as const;

/** The knobs of `demo --serve`, the long-running mode of the compose stack. */
export const SERVE_ENV = {
  simulatorHost: 'DEMO_SIMULATOR_HOST',
  simulatorPort: 'DEMO_SIMULATOR_PORT',
  rate: 'DEMO_RATE',
} as const;

export interface DemoSettings {
  /** Requests the load generator sends. */
  requests: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** The load stops (requests in flight are aborted) after this long. */
  loadDeadlineMs: number;
}

export interface ServeSettings {
  /** Interface the model simulator listens on. */
  simulatorHost: string;
  /** Its port; 0 takes any free one. */
  simulatorPort: number;
  /** Requests per second the steady load sends. */
  ratePerSecond: number;
}

export const DEFAULT_DEMO_SETTINGS: DemoSettings = { requests: 60, concurrency: 4, loadDeadlineMs: 45_000 };

export const DEFAULT_SERVE_SETTINGS: ServeSettings = { simulatorHost: '127.0.0.1', simulatorPort: 0, ratePerSecond: 2 };

export class DemoSettingsError extends Error {}

/** Reads settings with `read`; throws one DemoSettingsError naming every bad value. */
function readSettings<T>(env: Env, readAll: (read: EnvReader) => T): T {
  const problems: string[] = [];
  const read = new EnvReader(env, (variable, value, _default, reason) => problems.push(`${variable}=${JSON.stringify(value)}: ${reason}`));
  const settings = readAll(read);
  if (problems.length > 0) throw new DemoSettingsError(problems.join('\n'));
  return settings;
}

export function demoSettingsFromEnv(env: Env): DemoSettings {
  const defaults = DEFAULT_DEMO_SETTINGS;
  return readSettings(env, (read) => ({
    requests: read.number(DEMO_ENV.requests, defaults.requests, { min: 1, max: 10_000, integer: true }),
    concurrency: read.number(DEMO_ENV.concurrency, defaults.concurrency, { min: 1, max: 64, integer: true }),
    loadDeadlineMs: 1000 * read.number(DEMO_ENV.timeoutSeconds, defaults.loadDeadlineMs / 1000, { min: 1, max: 3600 }),
  }));
}

export function serveSettingsFromEnv(env: Env): ServeSettings {
  const defaults = DEFAULT_SERVE_SETTINGS;
  return readSettings(env, (read) => ({
    simulatorHost: read.raw(SERVE_ENV.simulatorHost) ?? defaults.simulatorHost,
    simulatorPort: read.number(SERVE_ENV.simulatorPort, defaults.simulatorPort, { min: 0, max: 65_535, integer: true }),
    ratePerSecond: read.number(SERVE_ENV.rate, defaults.ratePerSecond, { min: 0.01, max: 200 }),
  }));
}
