// The steady load of `demo --serve`, against a stand-in service: the demo's plan without end, at the
// rate asked, and a stop that lets calls in flight end, then aborts the rest.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_MODELS, planRequests, startSteadyLoad, type RequestOutcome } from '../../demo/load.js';
import { SIM_HEADERS } from '../../demo/simulator/index.js';

interface Seen {
  model: string;
  error?: string;
}

let server: Server | undefined;

/** A service that answers every request after `delayMs` (never, for Infinity), recording what it was sent. */
async function standIn(delayMs: number): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += String(chunk);
    seen.push({ model: (JSON.parse(body) as { model: string }).model, error: req.headers[SIM_HEADERS.error] as string | undefined });
    if (delayMs !== Infinity) setTimeout(() => res.end('ok'), delayMs);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

afterEach(async () => {
  server?.closeAllConnections();
  server?.close();
  server = undefined;
});

describe('startSteadyLoad', () => {
  it("sends the demo's plan, 429s included, at the rate asked, past the end of one plan cycle", async () => {
    const { url, seen } = await standIn(5);
    const outcomes: RequestOutcome[] = [];
    const load = startSteadyLoad(url, { ratePerSecond: 100, maxInFlight: 16, requestTimeoutMs: 5_000, onOutcome: (o) => outcomes.push(o) });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await load.stop(1_000);
    // 100/s over 1 s: one cycle of the plan is 60 requests, so this ran into the second.
    expect(outcomes.length).toBeGreaterThan(70);
    expect(outcomes.length).toBeLessThan(130);
    expect(outcomes.every((o) => o.status === 200)).toBe(true);
    const sent = outcomes.map((o) => o.request).sort((a, b) => a.index - b.index);
    expect(sent.map((r) => r.index)).toEqual(sent.map((_, i) => i));
    // The same mix as the one-shot demo's plan: models in turn, one request in ten asks for a 429;
    // later cycles draw fresh latencies.
    const first = planRequests(60);
    expect(sent.slice(0, 60).map((r) => [r.model, r.failureExpected])).toEqual(first.map((r) => [r.model, r.failureExpected]));
    expect(sent.slice(60).some((r) => r.failureExpected)).toBe(true);
    expect(sent[60]!.headers).not.toEqual(first[0]!.headers);
    // What the service received: every model, and the 429 asked of it on the planned requests.
    expect(new Set(seen.map((s) => s.model))).toEqual(new Set(DEMO_MODELS.map((m) => m.model)));
    expect(seen.filter((s) => s.error === '429')).toHaveLength(sent.filter((r) => r.failureExpected).length);
  });

  it('starts none while maxInFlight requests run, and on stop aborts what the drain time did not end', async () => {
    const { url, seen } = await standIn(Infinity);
    const outcomes: RequestOutcome[] = [];
    const load = startSteadyLoad(url, { ratePerSecond: 50, maxInFlight: 3, requestTimeoutMs: 60_000, onOutcome: (o) => outcomes.push(o) });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(seen).toHaveLength(3);
    expect(load.skipped).toBeGreaterThan(5);
    const stopping = performance.now();
    await load.stop(200);
    expect(performance.now() - stopping).toBeLessThan(1_000);
    expect(outcomes.map((o) => o.failure)).toEqual(['aborted', 'aborted', 'aborted']);
    // Stopped for good: no request after the stop.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(seen).toHaveLength(3);
  });
});
