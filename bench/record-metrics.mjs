// What recording one model call's metrics costs (the in-flight gauge at its start, the counters,
// histograms and exemplar offer at its end), in one process per built checkout, alternating, with
// the process CPU per call over 50,000 calls to four models. `node bench/record-metrics.mjs [dir…]`:
// each dir a built checkout (dist/ and node_modules/), this one by default; BENCH_REPEATS (5) rounds.
// The whole-service bench (run.mjs) cannot separate a few µs a call from its per-repeat spread.
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CALLS = 50_000;
const MODELS = ['gpt-4o', 'gpt-4o-mini', 'o3', 'claude-sonnet-4-5'];

async function measure(root) {
  const load = (path) => import(pathToFileURL(`${root}/${path}`).href);
  const { createLlmMetrics } = await load('dist/agent/metrics/llm-metrics.js');
  const { DEFAULT_METRICS_OPTIONS } = await load('dist/agent/metrics/options.js');
  const { PullMetricReader } = await load('dist/agent/metrics/reader.js');
  const { MeterProvider } = await load('node_modules/@opentelemetry/sdk-metrics/dist/index.mjs');
  const llm = createLlmMetrics(DEFAULT_METRICS_OPTIONS, console);
  // Checkouts before the agent's own series recorded into SDK instruments, which need a reader to record at all.
  llm.useMeterProvider?.(new MeterProvider({ readers: [new PullMetricReader(() => Promise.resolve())] }));
  const exemplar = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), timestampMs: Date.now() };
  const perCall = [];
  for (let round = 0; round < 6; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < CALLS; i++) {
      const model = MODELS[i & 3];
      const labels = { requestModel: model, provider: 'openai', operation: 'chat', serviceName: 'bench' };
      const inFlight = llm.recorder.started(labels);
      const facts = { ...labels, responseModel: model, durationS: 0.3 + (i % 100) / 50, firstChunkS: 0.05 + (i % 10) / 100, timePerChunkS: 0.01, inputTokens: 10, outputTokens: 200 };
      llm.recorder.ended(facts, i % 10 === 0 ? exemplar : undefined, inFlight);
    }
    const cpu = process.cpuUsage(start);
    if (round > 0) perCall.push((cpu.user + cpu.system) / CALLS); // the first round warms the code up
  }
  perCall.sort((a, b) => a - b);
  return perCall[perCall.length >> 1];
}

if (process.argv[2] === '--child') {
  process.stdout.write(String(await measure(process.argv[3])));
} else {
  const roots = process.argv.length > 2 ? process.argv.slice(2) : [fileURLToPath(new URL('..', import.meta.url))];
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const figures = new Map(roots.map((root) => [root, []]));
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const root of roots) {
      figures.get(root).push(Number(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', root], { encoding: 'utf8' })));
    }
  }
  console.log('| checkout | metrics recorded per call, µs: median [min…max] over processes |\n|---|---|');
  for (const [root, values] of figures) {
    values.sort((a, b) => a - b);
    console.log(`| ${root} | ${values[values.length >> 1].toFixed(2)} [${values[0].toFixed(2)}…${values.at(-1).toFixed(2)}] |`);
  }
}
