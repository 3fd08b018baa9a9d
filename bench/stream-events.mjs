// What reading one streamed response costs the agent per event: the stream reader (SSE framing,
// the provider's fast path, the parse of the events that carry facts) over the same recorded
// bytes, in one process per built checkout, alternating. `node bench/stream-events.mjs [dir…]`:
// each dir a built checkout (dist/ and node_modules/), this one by default; BENCH_REPEATS (5) rounds.
// The streams are the simulator's, recorded once here and replayed in every child, cut three ways:
// the whole stream in one chunk (what a loopback server without delays delivers, the service bench's
// case), one event per chunk (a provider writing each event as it is generated), and random cuts
// of 1–3 KB (events straddling chunks). The whole-service bench (run.mjs) cannot resolve a fraction
// of a microsecond per event from its per-repeat spread. To profile one checkout:
// `node bench/stream-events.mjs --record streams.json`, then
// `node --cpu-prof bench/stream-events.mjs --child <dir> streams.json`.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkoutRoots, checkoutTable, runAlternating } from './lib/checkouts.mjs';

const EVENTS_PER_ROUND = 400_000;
const STREAMS = [
  { name: 'OpenAI chat, 200 chunks, usage', path: '/v1/chat/completions', body: { model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] } },
  { name: 'Anthropic messages, 200 chunks', path: '/v1/messages', body: { model: 'claude-sonnet-4-5', stream: true, max_tokens: 1024, messages: [{ role: 'user', content: 'hi' }] } },
];

/** Cut plans by name: byte offsets where a chunk ends. */
function cutsOf(bytes, plan) {
  if (plan === 'one chunk') return [];
  const cuts = [];
  if (plan === 'one event per chunk') {
    for (let i = 1; i < bytes.length - 1; i++) if (bytes[i] === 10 && bytes[i - 1] === 10) cuts.push(i + 1);
    return cuts;
  }
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let at = 1024 + Math.floor(random() * 2048); at < bytes.length; at += 1024 + Math.floor(random() * 2048)) cuts.push(at);
  return cuts;
}
const PLANS = ['one chunk', 'one event per chunk', 'random 1–3 KB cuts'];

async function measure(root, recorded) {
  const load = (path) => import(pathToFileURL(`${root}/${path}`).href);
  const { createStreamReader } = await load('dist/agent/providers/stream-reader.js');
  const { recognise } = await load('dist/agent/providers/table.js');
  const { emptyResponseFacts } = await load('dist/agent/providers/types.js');
  const results = {};
  for (const { name, path, bytes: base64 } of recorded) {
    const bytes = Buffer.from(base64, 'base64');
    const call = recognise({ method: 'POST', host: 'api.example.com', port: 443, path });
    const events = bytes.toString('latin1').split('\n\n').length - 1;
    for (const plan of PLANS) {
      // Chunks as the app receives them: fresh Buffers, not views of one another.
      const cuts = cutsOf(bytes, plan);
      const chunks = [];
      let start = 0;
      for (const cut of [...cuts, bytes.length]) {
        chunks.push(Buffer.from(bytes.subarray(start, cut)));
        start = cut;
      }
      const streams = Math.ceil(EVENTS_PER_ROUND / events);
      const perEvent = [];
      let contentEvents = 0;
      for (let round = 0; round < 6; round++) {
        const begin = process.cpuUsage();
        for (let s = 0; s < streams; s++) {
          const reader = createStreamReader('sse', call.route.parser, emptyResponseFacts(), { captureContent: false }, () => contentEvents++);
          for (const chunk of chunks) reader.push(chunk);
          reader.end();
        }
        const cpu = process.cpuUsage(begin);
        if (round > 0) perEvent.push(((cpu.user + cpu.system) * 1000) / (streams * events)); // the first round warms up
      }
      perEvent.sort((a, b) => a - b);
      results[`${name} · ${plan}`] = perEvent[perEvent.length >> 1];
      if (contentEvents === 0) throw new Error(`${name}: no content event counted`);
    }
  }
  return results;
}

async function record() {
  const { startModelSimulator } = await import('../dist/demo/simulator/index.js');
  const sim = await startModelSimulator({ defaults: { chunks: 200, firstChunkMs: 0, intervalMs: 0 } });
  try {
    const recorded = [];
    for (const { name, path, body } of STREAMS) {
      const response = await fetch(new URL(path, sim.url), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      recorded.push({ name, path, bytes: Buffer.from(await response.arrayBuffer()).toString('base64') });
    }
    return recorded;
  } finally {
    await sim.close();
  }
}

if (process.argv[2] === '--record') {
  writeFileSync(process.argv[3], JSON.stringify(await record()));
} else if (process.argv[2] === '--child') {
  const recorded = JSON.parse(readFileSync(process.argv[4], 'utf8'));
  process.stdout.write(JSON.stringify(await measure(process.argv[3], recorded)));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'stream-events-'));
  const file = join(dir, 'streams.json');
  writeFileSync(file, JSON.stringify(await record()));
  const run = runAlternating(fileURLToPath(import.meta.url), checkoutRoots(), [file]);
  rmSync(dir, { recursive: true, force: true });
  console.log(checkoutTable('stream · chunking', run, 0));
  console.log(`\nns of CPU per event, median [min…max] over ${run.repeats} processes per checkout`);
}
