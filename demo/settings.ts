// The demo's few knobs, read from the environment with the agent's own validating reader. Unlike
// the agent, the demo refuses a bad value: a person typed it just now and wants to know.
import { EnvReader, type Env } from '../agent/config.js';

export const DEMO_ENV = {
  requests: 'DEMO_REQUESTS',
  concurrency: 'DEMO_CONCURRENCY',
  timeoutSeconds: 'DEMO_TIMEOUT_S',
} as const;

export interface DemoSettings {
  /** Requests the load generator sends. */
  requests: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** The load stops (requests in flight are aborted) after this long. */
  loadDeadlineMs: number;
}

export const DEFAULT_DEMO_SETTINGS: DemoSettings = { requests: 60, concurrency: 4, loadDeadlineMs: 45_000 };

export class DemoSettingsError extends Error {}

export function demoSettingsFromEnv(env: Env): DemoSettings {
  const problems: string[] = [];
  const read = new EnvReader(env, (variable, value, _default, reason) => problems.push(`${variable}=${JSON.stringify(value)}: ${reason}`));
  const defaults = DEFAULT_DEMO_SETTINGS;
  const settings: DemoSettings = {
    requests: read.number(DEMO_ENV.requests, defaults.requests, { min: 1, max: 10_000, integer: true }),
    concurrency: read.number(DEMO_ENV.concurrency, defaults.concurrency, { min: 1, max: 64, integer: true }),
    loadDeadlineMs: 1000 * read.number(DEMO_ENV.timeoutSeconds, defaults.loadDeadlineMs / 1000, { min: 1, max: 3600 }),
  };
  if (problems.length > 0) throw new DemoSettingsError(problems.join('\n'));
  return settings;
}
