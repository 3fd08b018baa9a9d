// A service under load, as the pipeline tests drive it: CALLS streamed model calls (or as many as
// DURATION_MS allows) through the real openai SDK to the simulator, CONCURRENCY at a time, every ERROR_EVERY-th one answered 500, first
// chunks on a spread of delays so several latency buckets fill. Each call is its own trace (no
// inbound request). Prints `CALL {...}` per call (times in epoch ms), `MEM {...}` every second, then
// `DONE`, and stays up (its /metrics scraped) until SIGTERM. With MODEL_PER_CALL=1 call i asks for
// model `gpt-pipeline-<i>`, so a test can tell which call each stored span belongs to.
import OpenAI from 'openai';

const openai = new OpenAI({ baseURL: `${process.env.SIM_URL}/v1`, apiKey: 'sk-pipeline', maxRetries: 0 });
const calls = Number(process.env.CALLS ?? 100);
const concurrency = Number(process.env.CONCURRENCY ?? 8);
const errorEvery = Number(process.env.ERROR_EVERY ?? 0);
const paceMs = Number(process.env.PACE_MS ?? 0);
const until = process.env.DURATION_MS ? Date.now() + Number(process.env.DURATION_MS) : Infinity;
const modelPerCall = process.env.MODEL_PER_CALL === '1';
const FIRST_CHUNK_MS = [5, 30, 120, 400];

async function call(i) {
  const error = errorEvery > 0 && i % errorEvery === errorEvery - 1;
  const headers = { 'x-sim-first-chunk-ms': String(FIRST_CHUNK_MS[i % FIRST_CHUNK_MS.length]), 'x-sim-chunks': '4', 'x-sim-interval-ms': '2' };
  if (error) headers['x-sim-error'] = '500';
  const startedAt = Date.now();
  let ok = true;
  try {
    const stream = await openai.chat.completions.create(
      { model: modelPerCall ? `gpt-pipeline-${i}` : i % 2 ? 'gpt-pipeline-a' : 'gpt-pipeline-b', stream: true, messages: [{ role: 'user', content: 'hello' }] },
      { headers },
    );
    for await (const _ of stream) { /* drain */ }
  } catch {
    ok = false;
  }
  console.log(`CALL ${JSON.stringify({ i, startedAt, endedAt: Date.now(), ok, error })}`);
}

const memory = setInterval(() => {
  const { heapUsed, rss } = process.memoryUsage();
  console.log(`MEM ${JSON.stringify({ at: Date.now(), heapUsed, rss })}`);
}, 1000);

let next = 0;
async function worker() {
  while (until === Infinity ? next < calls : Date.now() < until) {
    const i = next++;
    await call(i);
    if (paceMs) await new Promise((resolve) => setTimeout(resolve, paceMs));
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));
console.log('DONE');
process.on('SIGTERM', () => clearInterval(memory));
