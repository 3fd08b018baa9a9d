// Flush on the way out without changing how the process exits. Listening for a signal replaces
// Node's default action (exit), so when the agent is the only listener it flushes (bounded by the
// shutdown timeout) and then re-raises the signal, so the process still dies of it as it would
// have. When the application has its own handlers, they decide when to exit; the agent only flushes.
//
// A worker thread gets no signals (they go to the process), and its process.exit() ends the thread
// with nothing but a synchronous 'exit': there the agent ends the calls still open, so they are
// counted (the main thread records them) and leave the in-flight gauge. A terminate() runs no
// JavaScript in the worker at all; the main thread then drops its calls from the gauge itself.
import { log, describe } from './log.js';
import { isMainThread } from './worker-threads.js';

/** Resolves true when the flush ran out of time. */
type Shutdown = () => Promise<boolean>;

/** `endCalls` ends every open model call at once (synchronously). */
export function installShutdownHandlers(shutdown: Shutdown, endCalls: () => void): void {
  const run = () =>
    shutdown().catch((err: unknown) => {
      log.once('error', 'shutdown', `shutdown failed: ${describe(err)}`);
      return false;
    });

  if (!isMainThread) {
    process.once('exit', () => {
      try {
        endCalls();
      } catch (err) {
        log.once('error', 'shutdown', `shutdown failed: ${describe(err)}`);
      }
    });
  }

  for (const signal of isMainThread ? (['SIGTERM', 'SIGINT'] as const) : []) {
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
