// What recording one model call's metrics costs (the in-flight gauge at its start, the counters,
// histograms and exemplar offer at its end), in one process per built checkout, alternating, with
// the process CPU per call over 50,000 calls to four models. `node bench/record-metrics.mjs [dir…]`:
// each dir a built checkout (dist/ and node_modules/), this one by default; BENCH_REPEATS (5) rounds.
// The whole-service bench (run.mjs) cannot separate a few µs a call from its per-repeat spread.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { checkoutRoots, checkoutTable, runAlternating } from './lib/checkouts.mjs';

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
  process.stdout.write(JSON.stringify({ 'metrics recorded per call, µs': await measure(process.argv[3]) }));
} else {
  const run = runAlternating(fileURLToPath(import.meta.url), checkoutRoots());
  console.log(checkoutTable('figure', run, 2));
  console.log(`\nmedian [min…max] over ${run.repeats} processes per checkout`);
}
