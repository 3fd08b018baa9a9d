// Flush on the way out without changing how the process exits. Listening for a signal replaces
// Node's default action (exit), so when the agent is the only listener it flushes (bounded by the
// shutdown timeout) and then re-raises the signal, so the process still dies of it as it would
// have. When the application has its own handlers, they decide when to exit; the agent only flushes.
import { log, describe } from './log.js';

/** Resolves true when the flush ran out of time. */
type Shutdown = () => Promise<boolean>;

export function installShutdownHandlers(shutdown: Shutdown): void {
  const run = () =>
    shutdown().catch((err: unknown) => {
      log.once('error', 'shutdown', `shutdown failed: ${describe(err)}`);
      return false;
    });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = () => {
      const onlyListener = process.listenerCount(signal) === 1;
      void run().finally(() => {
        if (!onlyListener) return;
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }

  // Normal exit: the loop ran dry. Flushing schedules more work, after which 'beforeExit' comes
  // again; `once` makes that second time a plain exit. The loop was empty when this began, so
  // whatever still holds it once the flush has run out of time is the exporter's own (a request to
  // a collector that never answers): exit as the application was about to.
  process.once('beforeExit', () => {
    void run().then((timedOut) => {
      if (timedOut) process.exit();
    });
  });
}
