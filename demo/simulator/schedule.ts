// Resolves the schedule of one call: request headers (x-sim-*) over the server's defaults.
import type { IncomingHttpHeaders } from 'node:http';
import type { SimErrorMode, SimSchedule } from './types.js';

export const SIM_HEADERS = {
  firstChunkMs: 'x-sim-first-chunk-ms',
  intervalMs: 'x-sim-interval-ms',
  chunks: 'x-sim-chunks',
  usage: 'x-sim-usage',
  error: 'x-sim-error',
  splitUtf8: 'x-sim-split-utf8',
  separateWrites: 'x-sim-separate-writes',
  replay: 'x-sim-replay',
} as const satisfies Record<keyof SimSchedule, string>;

export const DEFAULT_SCHEDULE: SimSchedule = {
  firstChunkMs: 0,
  intervalMs: 0,
  chunks: 5,
  usage: 'include',
  error: null,
  splitUtf8: false,
  separateWrites: false,
  replay: null,
};

const ERROR_MODES: readonly SimErrorMode[] = ['429', '500', '400', 'malformed', 'truncate', 'hang', 'midstream'];

/** Thrown for a malformed x-sim-* header, so the caller answers 400 instead of guessing. */
export class ScheduleHeaderError extends Error {}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function nonNegativeInt(headers: IncomingHttpHeaders, name: string, fallback: number): number {
  const raw = header(headers, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new ScheduleHeaderError(`${name} must be a non-negative integer`);
  return value;
}

function errorMode(raw: string | undefined, fallback: SimErrorMode | null): SimErrorMode | null {
  if (raw === undefined) return fallback;
  if (raw === '' || raw === 'none') return null;
  const mode = ERROR_MODES.find((m) => m === raw);
  if (!mode) throw new ScheduleHeaderError(`${SIM_HEADERS.error} must be one of ${ERROR_MODES.join(', ')}`);
  return mode;
}

const isOn = (flag: string): boolean => flag === '1' || flag === 'true';

export function resolveSchedule(headers: IncomingHttpHeaders, defaults: SimSchedule): SimSchedule {
  const usage = header(headers, SIM_HEADERS.usage);
  const split = header(headers, SIM_HEADERS.splitUtf8);
  const separate = header(headers, SIM_HEADERS.separateWrites);
  return {
    firstChunkMs: nonNegativeInt(headers, SIM_HEADERS.firstChunkMs, defaults.firstChunkMs),
    intervalMs: nonNegativeInt(headers, SIM_HEADERS.intervalMs, defaults.intervalMs),
    chunks: nonNegativeInt(headers, SIM_HEADERS.chunks, defaults.chunks),
    usage: usage === undefined ? defaults.usage : usage === 'omit' ? 'omit' : 'include',
    error: errorMode(header(headers, SIM_HEADERS.error), defaults.error),
    splitUtf8: split === undefined ? defaults.splitUtf8 : isOn(split),
    separateWrites: separate === undefined ? defaults.separateWrites : isOn(separate),
    replay: header(headers, SIM_HEADERS.replay) ?? defaults.replay,
  };
}
