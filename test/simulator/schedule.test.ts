// The schedule: delays and pacing measured client side, defaults vs headers, zero-delay speed,
// backpressure, and the call records (in-process and over HTTP).
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { CALLS_PATH, type SimCallRecord, startModelSimulator } from '../../demo/simulator/index.js';
import { eventually, now, openAIClient, post, recordOf, useSimulator } from './helpers.js';

const sim = useSimulator();
const messages = [{ role: 'user' as const, content: 'hi' }];
/** Timers fire late, never early; allow this much lateness on a busy shared machine. */
const SLACK_MS = 40;
/** libuv starts timers from the loop's cached time, so one may fire up to ~1 ms early. */
const TIMER_EARLY_MS = 2;

describe('schedule', () => {
  it('writes the role-only delta at once and the first content chunk after x-sim-first-chunk-ms', async () => {
    const client = openAIClient(sim.current, { 'x-sim-first-chunk-ms': '150', 'x-sim-chunks': '2' });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'm', messages, stream: true })
      .withResponse();
    const arrivals: number[] = [];
    for await (const _ of stream) arrivals.push(now());
    const [roleDelta, firstContent] = arrivals as [number, number];

    const record = recordOf(sim.current, response.headers.get('x-request-id'));
    // The role-only delta reached the client before the server even wrote the first content chunk.
    expect(roleDelta).toBeLessThan(record.firstContentWrittenAt!);
    // Client side (same clock as the server's records): content arrives once the delay has passed.
    expect(firstContent - record.receivedAt).toBeGreaterThanOrEqual(150 - TIMER_EARLY_MS);
    expect(firstContent - record.receivedAt).toBeLessThan(150 + SLACK_MS);
    expect(record.firstContentWrittenAt! - record.receivedAt).toBeGreaterThanOrEqual(150 - TIMER_EARLY_MS);
    expect(record.firstContentWrittenAt! - record.receivedAt).toBeLessThan(150 + SLACK_MS);
  });

  it('spaces content chunks by x-sim-interval-ms', async () => {
    const client = openAIClient(sim.current, { 'x-sim-interval-ms': '40', 'x-sim-chunks': '4' });
    const { data: stream, response } = await client.chat.completions
      .create({ model: 'm', messages, stream: true })
      .withResponse();
    const arrivals: number[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(now());
    expect(arrivals).toHaveLength(4);
    const { firstContentWrittenAt } = recordOf(sim.current, response.headers.get('x-request-id'));
    arrivals.forEach((arrival, i) => expect(arrival - firstContentWrittenAt!).toBeGreaterThanOrEqual(i * (40 - TIMER_EARLY_MS)));
    expect(arrivals.at(-1)! - firstContentWrittenAt!).toBeLessThan(3 * 40 + SLACK_MS);
  });

  it('waits the whole generation time before a non-streamed body', async () => {
    const client = openAIClient(sim.current, { 'x-sim-first-chunk-ms': '60', 'x-sim-interval-ms': '20', 'x-sim-chunks': '3' });
    const sentAt = now();
    const { response } = await client.chat.completions.create({ model: 'm', messages }).withResponse();
    expect(now() - sentAt).toBeGreaterThanOrEqual(60 + 2 * 20 - TIMER_EARLY_MS);
    const record = recordOf(sim.current, response.headers.get('x-request-id'));
    expect(record.firstContentWrittenAt! - record.receivedAt).toBeLessThan(100 + SLACK_MS);
  });

  it('is fast at zero delay: ten calls of 200 chunks each', async () => {
    const client = openAIClient(sim.current, { 'x-sim-chunks': '200' });
    const startedAt = now();
    for (let call = 0; call < 10; call++) {
      const stream = await client.chat.completions.create({ model: 'm', messages, stream: true });
      let content = 0;
      for await (const chunk of stream) if (chunk.choices[0]?.delta.content) content++;
      expect(content).toBe(200);
    }
    expect(now() - startedAt).toBeLessThan(2000);
  });

  it('writes a zero-delay stream in one go, or with x-sim-separate-writes each frame in its own write', async () => {
    /** Body chunks as the client received them, for a 40-chunk stream. */
    const received = async (headers: Record<string, string>) => {
      const response = await fetch(new URL('/v1/chat/completions', sim.current.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-sim-chunks': '40', ...headers },
        body: JSON.stringify({ model: 'm', messages, stream: true }),
      });
      const chunks: string[] = [];
      for await (const chunk of response.body!) chunks.push(Buffer.from(chunk).toString('utf8'));
      return chunks;
    };
    const together = await received({});
    const apart = await received({ 'x-sim-separate-writes': '1' });
    const events = (chunks: string[]) => chunks.join('').split('\n\n').length - 1;
    // The role delta, 40 content chunks, the finish chunk, [DONE].
    expect(events(together)).toBe(43);
    expect(events(apart)).toBe(43);
    expect(together.length).toBeLessThanOrEqual(3);
    // The client may still read two writes at once when it falls behind; most arrive alone.
    expect(apart.length).toBeGreaterThan(30);
    expect(apart.filter((chunk) => chunk.endsWith('\n\n') && chunk.split('\n\n').length === 2).length).toBeGreaterThan(30);
  });

  it('uses the constructor defaults, which headers override', async () => {
    const own = await startModelSimulator({ defaults: { chunks: 2 } });
    try {
      const byDefault = await openAIClient(own).chat.completions.create({ model: 'm', messages });
      expect(byDefault.usage?.completion_tokens).toBe(2);
      const byHeader = await openAIClient(own, { 'x-sim-chunks': '3' }).chat.completions.create({ model: 'm', messages });
      expect(byHeader.usage?.completion_tokens).toBe(3);
    } finally {
      await own.close();
    }
  });
});

describe('backpressure', () => {
  it('stops writing while the client does not read, and notices when it leaves', async () => {
    const chunks = 100_000;
    const body = JSON.stringify({ model: 'm', messages, stream: true });
    const url = new URL('/v1/chat/completions', sim.current.url);
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-sim-chunks': String(chunks) },
    });
    const res = await new Promise<import('node:http').IncomingMessage>((resolve) => {
      req.once('response', resolve);
      req.end(body);
    });
    res.pause();
    const record = recordOf(sim.current, res.headers['x-request-id'] as string);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const stalledAt = record.chunks;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(record.chunks).toBe(stalledAt);
    expect(stalledAt).toBeLessThan(chunks);

    res.destroy();
    await eventually(() => record.endedAt !== null);
    expect(record.aborted).toBe(true);
    expect(record.chunks).toBeLessThan(chunks);
  });
});

describe('call records', () => {
  it('are served at GET /_sim/calls and cleared in place by DELETE', async () => {
    const response = await post(sim.current, '/api/chat', { model: 'llama3.2', messages, stream: false });
    await response.text();
    const id = response.headers.get('x-request-id');
    await eventually(() => recordOf(sim.current, id).endedAt !== null);

    const served = (await (await fetch(`${sim.current.url}${CALLS_PATH}`)).json()) as SimCallRecord[];
    const record = served.find((call) => call.id === id);
    expect(record).toMatchObject({ path: '/api/chat', provider: 'ollama', model: 'llama3.2', stream: false, chunks: 1 });
    expect(record!.receivedAt).toBeLessThanOrEqual(record!.firstContentWrittenAt!);
    expect(record!.firstContentWrittenAt).toBeLessThanOrEqual(record!.endedAt!);
    expect(Number.isInteger(record!.receivedAt)).toBe(false); // sub-ms precision

    const calls = sim.current.calls;
    expect((await fetch(`${sim.current.url}${CALLS_PATH}`, { method: 'DELETE' })).status).toBe(204);
    expect(sim.current.calls).toBe(calls);
    expect(calls).toHaveLength(0);
  });
});
