// One service child under one configuration: start it (timing start-up), run the workloads, read its
// CPU and memory around each timed phase, and stop it.
import { fileURLToPath } from 'node:url';
import { ttftAccuracy } from './accuracy.mjs';
import { spawnReady, stopChild } from './child.mjs';
import { commonEnv } from './configs.mjs';
import { createClientAgent, send, sendJson } from './http-client.mjs';
import { runLoad } from './load.mjs';
import { SINK_PATHS } from './sink.mjs';
import { SERVICE_PATHS } from './service-protocol.mjs';
import { percentile } from './stats.mjs';

export const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));
const SIM_CALLS_PATH = '/_sim/calls';

/** Environment for a child: the runner's, minus anything that would configure OpenTelemetry by accident. */
function childEnv(config, backends, extraEnv) {
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(OTEL_|LLM_OTEL_|TRACELOOP_|OPENLIT_|NODE_OPTIONS$)/.test(key)));
  return { ...inherited, ...commonEnv(backends), ...config.env, ...extraEnv };
}

/**
 * Starts `node [preload] service.mjs` for `config` and serves one request; the time from spawn to
 * that answer is the start-up figure. Returns { child, base, agent, startupMs, logLines, stop }.
 */
export async function startService(config, backends, { concurrency, nodeFlags = [], extraEnv = {} }) {
  const started = performance.now();
  const { child, ready, logLines } = await spawnReady([...nodeFlags, ...config.preload, 'service.mjs'], {
    cwd: BENCH_DIR,
    env: childEnv(config, backends, extraEnv),
  });
  const base = `http://127.0.0.1:${ready.port}`;
  // One socket more than the load's concurrency, so control requests never queue behind calls.
  const agent = createClientAgent(concurrency + 1);
  try {
    const first = await send(agent, `${base}${SERVICE_PATHS.plain}`);
    if (first.status !== 200) throw new Error(`first request answered HTTP ${first.status}`);
  } catch (err) {
    await stopChild(child);
    throw err;
  }
  const startupMs = performance.now() - started;
  const stop = async () => {
    agent.destroy();
    await stopChild(child);
  };
  return { child, base, agent, startupMs, logLines, stop };
}

/** Reads the service's CPU and memory figures. */
export const readUsage = (service) => sendJson(service.agent, `${service.base}${SERVICE_PATHS.usage}`);

/**
 * Runs `load` with the sink capturing spans, then matches them with the service's and simulator's
 * records of the same calls. Returns { result, accuracy }.
 */
async function withTtftCapture(service, config, backends, load) {
  const { agent } = service;
  // Earlier phases' spans leave first, so the capture holds (almost) only these calls' spans.
  await sendJson(agent, `${service.base}${SERVICE_PATHS.flush}`);
  await sendJson(agent, `${backends.sinkUrl}${SINK_PATHS.capture}?on=1`, 'POST');
  await sendJson(agent, `${backends.simUrl}${SIM_CALLS_PATH}`, 'DELETE');
  await sendJson(agent, `${service.base}${SERVICE_PATHS.records}`);
  const result = await load();
  const records = await sendJson(agent, `${service.base}${SERVICE_PATHS.records}`);
  await sendJson(agent, `${service.base}${SERVICE_PATHS.flush}`);
  const { spanCount, spans } = await sendJson(agent, `${backends.sinkUrl}${SINK_PATHS.spans}`);
  await sendJson(agent, `${backends.sinkUrl}${SINK_PATHS.capture}?on=0`, 'POST');
  const simCalls = await sendJson(agent, `${backends.simUrl}${SIM_CALLS_PATH}`);
  await sendJson(agent, `${backends.simUrl}${SIM_CALLS_PATH}`, 'DELETE');
  // Spans exported for these calls, per call: the model span, an inbound HTTP span, an undici span
  // beside the model span...
  const spansPerCall = spanCount / Math.max(1, records.length);
  const accuracy = { calls: records.length, spansPerCall, ...ttftAccuracy({ records, spans, simCalls, ttftKey: config.ttftKey }) };
  return { result, accuracy };
}

/**
 * Warm-up, then the timed phase of one workload. For a streamed workload the sink captures the spans
 * of the timed calls, and the service's and simulator's records give the accuracy figures.
 */
export async function measureWorkload(service, workload, config, backends, options) {
  if (workload.internal) return measureInternalWorkload(service, workload, options);
  const url = `${service.base}${workload.path}`;
  const load = (calls) => runLoad({ agent: service.agent, url, method: workload.method, calls, concurrency: options.concurrency, limitMs: options.phaseLimitMs });
  await load(options.warmup);
  const timed = async () => {
    const before = await readUsage(service);
    const result = await load(options.calls * workload.callsFactor);
    const after = await readUsage(service);
    return { ...result, cpuMicros: after.cpuMicros - before.cpuMicros };
  };
  const { result, accuracy } = workload.streamed ? await withTtftCapture(service, config, backends, timed) : { result: await timed() };
  const { calls } = result;
  return {
    calls,
    cutShort: result.cutShort,
    throughput: (calls / result.elapsedMs) * 1000,
    cpuPerCallUs: result.cpuMicros / calls,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    errors: result.errors,
    accuracy,
  };
}

/** The request that has the service make `calls` model calls of an internal workload itself. */
export function modelCallsUrl(service, workload, calls, concurrency) {
  return `${service.base}${SERVICE_PATHS.modelCalls}?kind=${workload.internal}&calls=${calls}&concurrency=${concurrency}`;
}

/** The service's own loop of model calls: one request starts it, its answer holds the figures. */
async function measureInternalWorkload(service, workload, options) {
  const loop = (calls) => sendJson(service.agent, modelCallsUrl(service, workload, calls, options.concurrency));
  await loop(options.warmup);
  const result = await loop(options.calls * workload.callsFactor);
  return {
    calls: result.calls,
    cutShort: false,
    throughput: (result.calls / result.elapsedMs) * 1000,
    cpuPerCallUs: result.cpuMicros / result.calls,
    p50Ms: percentile(result.latenciesMs, 50),
    p99Ms: percentile(result.latenciesMs, 99),
    errors: result.errors,
  };
}

/**
 * Time-to-first-token accuracy with the service idle between calls: streamed calls one at a time,
 * so no other call's work sits between the bytes' arrival and the application's read.
 */
export async function measureIdleAccuracy(service, workload, config, backends, options) {
  const url = `${service.base}${workload.path}`;
  const load = () => runLoad({ agent: service.agent, url, method: workload.method, calls: options.idleAccuracyCalls, concurrency: 1, limitMs: options.phaseLimitMs });
  const { accuracy } = await withTtftCapture(service, config, backends, load);
  return accuracy;
}

/** Starts the simulator and the sink in their own process. */
export async function startBackends(chunks, separateWrites) {
  const env = { ...process.env, BENCH_CHUNKS: String(chunks), BENCH_SEPARATE_WRITES: separateWrites ? '1' : '0' };
  const { child, ready } = await spawnReady(['backends.mjs'], { cwd: BENCH_DIR, env });
  return { simUrl: ready.simUrl, sinkUrl: ready.sinkUrl, pid: child.pid, stop: () => stopChild(child) };
}
