// Polls nvidia-smi on a timer and keeps the last good snapshot for the gauges to report.
//
// - One nvidia-smi at a time: a tick that finds one still running is skipped.
// - No nvidia-smi on the machine: one info line, then the poller stops for good.
// - A failure (exit code, timeout, signal, garbage): one warning per kind, and polling goes on.
// - A snapshot is reported until it is older than two intervals plus the timeout: one failed or
//   skipped poll (even one that ran into the timeout) does not open a gap in the series, which
//   would break rate() windows and absent() alerts, but after two in a row the GPUs are no longer
//   reported rather than shown frozen at values that look healthy.
// - Nothing here throws into the application or keeps its process alive.
import type { Meter } from '@opentelemetry/api';
import type { NamingProfile } from '../names.js';
import { registerGpuGauges } from './gauges.js';
import { NVIDIA_SMI_ARGS, NvidiaSmiParseError, parseNvidiaSmiCsv, type GpuSample } from './parse.js';
import { runOnce } from './run.js';

export interface GpuPollerOptions {
  /** Seconds between polls; 0 (or less) turns GPU metrics off. */
  intervalSeconds: number;
  /** Path of nvidia-smi, or a bare name looked up on PATH. */
  binary: string;
  /** A run that takes longer is killed with SIGKILL. */
  timeoutSeconds: number;
  naming: NamingProfile;
}

export interface GpuPollerLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface GpuPoller {
  /** Stops polling, kills a running nvidia-smi and stops reporting. */
  stop(): void;
  /** Polls now, or waits for the poll in progress. Never rejects. */
  pollNow(): Promise<void>;
}

interface Snapshot {
  readonly gpus: readonly GpuSample[];
  /** performance.now() when the poll that produced it finished. */
  readonly at: number;
}

export function startGpuPoller(meter: Meter, options: GpuPollerOptions, log: GpuPollerLog): GpuPoller {
  if (!(options.intervalSeconds > 0)) return { stop() {}, pollNow: () => Promise.resolve() };

  const intervalMs = options.intervalSeconds * 1000;
  const timeoutMs = options.timeoutSeconds * 1000;
  const staleAfterMs = 2 * intervalMs + timeoutMs;
  const stopping = new AbortController();
  const warned = new Set<string>();
  let snapshot: Snapshot | undefined;
  let inFlight: Promise<void> | undefined;

  const unregister = registerGpuGauges(meter, options.naming, () =>
    snapshot && performance.now() - snapshot.at <= staleAfterMs ? snapshot.gpus : [],
  );

  const say = (kind: keyof GpuPollerLog, message: string) => {
    try {
      log[kind](message);
    } catch {
      // A logger that throws must not stop the poller, nor reach the application.
    }
  };
  const warnOnce = (key: string, message: string) => {
    if (warned.has(key)) return;
    warned.add(key);
    say('warn', `GPU metrics: ${message}; polling goes on every ${options.intervalSeconds} s`);
  };

  const halt = () => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    clearInterval(timer);
    snapshot = undefined;
    unregister();
  };

  const pollOnce = async (): Promise<void> => {
    const outcome = await runOnce(options.binary, NVIDIA_SMI_ARGS, { timeoutMs, signal: stopping.signal });
    if (stopping.signal.aborted) return; // stopped while nvidia-smi ran: its answer is no longer wanted
    switch (outcome.kind) {
      case 'output':
        try {
          snapshot = { gpus: parseNvidiaSmiCsv(outcome.stdout), at: performance.now() };
        } catch (error) {
          if (!(error instanceof NvidiaSmiParseError)) throw error;
          warnOnce('unparsable', `${options.binary}: ${error.message}`);
        }
        return;
      case 'missing':
        say('info', `GPU metrics off: ${options.binary} not found (no NVIDIA driver on this machine?)`);
        halt();
        return;
      case 'failed':
        warnOnce(outcome.key, outcome.message);
        return;
      case 'cancelled':
        return;
    }
  };

  const pollNow = (): Promise<void> => {
    if (stopping.signal.aborted) return Promise.resolve();
    inFlight ??= pollOnce()
      .catch((error: unknown) => warnOnce('internal', `poll failed: ${String(error)}`))
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };

  const timer = setInterval(() => void pollNow(), intervalMs);
  timer.unref();
  void pollNow();

  return { stop: halt, pollNow };
}
