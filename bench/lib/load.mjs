// Fixed concurrency, fixed number of calls: `concurrency` workers each send the next call as soon as
// their previous one answered. Client-side latency per call; wall time for the whole phase.
import { send } from './http-client.mjs';

/**
 * Runs `calls` requests against `url` and returns { calls, elapsedMs, latenciesMs, errors, cutShort }.
 * A failed call counts as an error and keeps its latency out of the figures. After `limitMs` no new
 * call starts (a pathologically slow row must not hold the whole run): `calls` is then the number
 * that completed, and `cutShort` is true.
 */
export async function runLoad({ agent, url, method, calls, concurrency, limitMs = Infinity }) {
  const latenciesMs = [];
  let issued = 0;
  let errors = 0;
  let firstError;
  let deadline = Infinity;
  async function worker() {
    while (issued < calls && performance.now() < deadline) {
      issued++;
      const started = performance.now();
      try {
        const { status, body } = await send(agent, url, method);
        if (status !== 200) throw new Error(`HTTP ${status}: ${body.slice(0, 200)}`);
        latenciesMs.push(performance.now() - started);
      } catch (err) {
        errors++;
        firstError ??= err;
      }
    }
  }
  const started = performance.now();
  deadline = started + limitMs;
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - started;
  if (errors > issued / 100) throw new Error(`${errors} of ${issued} calls failed; first: ${firstError?.message}`);
  return { calls: issued, elapsedMs, latenciesMs, errors, cutShort: issued < calls };
}
