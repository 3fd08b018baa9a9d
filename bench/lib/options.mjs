// The runner's knobs, all from the environment, read once.

function positiveInt(env, name, fallback) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  return value;
}

const flag = (env, name) => env[name] === '1' || env[name] === 'true';

/**
 * BENCH_QUICK=1: a 1–2 minute smoke run. BENCH_CALLS: timed streaming calls per repeat (other
 * workloads scale it). BENCH_WARMUP: warm-up calls per workload. BENCH_REPEATS: alternating repeats.
 * BENCH_CONCURRENCY. BENCH_STARTUP_SAMPLES: starts per configuration and repeat, their median is the repeat's start-up. BENCH_IDLE_ACCURACY_CALLS: streamed calls one at a time for the idle TTFT figure.
 * BENCH_SEPARATE_WRITES=0: the simulator writes a stream in one go (one body chunk) instead of one event a write.
 * BENCH_PIN=1: the service on one vCPU while measured, the rest on the other.
 * BENCH_PHASE_LIMIT_S: no new call after this long in one phase. BENCH_INCLUDE_USAGE=0:
 * streams without the usage chunk (read by the service itself). BENCH_CONFIGS: comma-separated row ids. BENCH_WORKLOADS: comma-separated workload ids (streaming is always run). BENCH_SOAK=1: the RSS soak instead
 * (BENCH_SOAK_CALLS, BENCH_SOAK_EVERY). BENCH_PROFILE=1: a --cpu-prof run of the agent instead
 * (BENCH_PROFILE_WORKLOAD: stream, chat, embeddings or plain).
 */
export function readOptions(env = process.env) {
  const quick = flag(env, 'BENCH_QUICK');
  return {
    quick,
    calls: positiveInt(env, 'BENCH_CALLS', quick ? 150 : 400),
    warmup: positiveInt(env, 'BENCH_WARMUP', quick ? 50 : 100),
    repeats: positiveInt(env, 'BENCH_REPEATS', quick ? 2 : 5),
    concurrency: positiveInt(env, 'BENCH_CONCURRENCY', 8),
    startupSamples: positiveInt(env, 'BENCH_STARTUP_SAMPLES', quick ? 1 : 5),
    idleAccuracyCalls: positiveInt(env, 'BENCH_IDLE_ACCURACY_CALLS', quick ? 30 : 60),
    chunks: positiveInt(env, 'BENCH_CHUNKS', 200),
    // Each streamed event in its own socket write, as providers send them; 0: the whole stream in one write.
    separateWrites: env.BENCH_SEPARATE_WRITES !== '0',
    // The service on one vCPU, the runner and backends on the other (pinning.mjs), when asked for.
    pin: env.BENCH_PIN === '1',
    configs: env.BENCH_CONFIGS || '',
    workloads: env.BENCH_WORKLOADS || '',
    soak: flag(env, 'BENCH_SOAK'),
    scrape: flag(env, 'BENCH_SCRAPE'),
    scrapes: positiveInt(env, 'BENCH_SCRAPES', 10),
    soakCalls: positiveInt(env, 'BENCH_SOAK_CALLS', 100_000),
    soakEvery: positiveInt(env, 'BENCH_SOAK_EVERY', 10_000),
    phaseLimitMs: positiveInt(env, 'BENCH_PHASE_LIMIT_S', quick ? 20 : 60) * 1000,
    // Read by the service child itself (the variable passes through); here for the report.
    includeUsage: env.BENCH_INCLUDE_USAGE !== '0',
    profile: flag(env, 'BENCH_PROFILE'),
    profileCalls: positiveInt(env, 'BENCH_PROFILE_CALLS', quick ? 500 : 2000),
    profileWorkload: env.BENCH_PROFILE_WORKLOAD || 'stream',
  };
}
