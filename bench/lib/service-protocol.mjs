// What the runner and the service agree on: paths and the call header. One place, no literals twice.

export const SERVICE_PATHS = {
  stream: '/chat/stream',
  chat: '/chat',
  embeddings: '/embeddings',
  plain: '/plain',
  usage: '/_bench/usage',
  records: '/_bench/records',
  flush: '/_bench/flush',
  gc: '/_bench/gc',
  /** Scrape mode: one call for each of BENCH_DISTINCT_MODELS models, so /metrics holds that many label sets. */
  distinctModels: '/_bench/distinct-models',
  /** Scrape mode: watch the service's own event-loop delay (monitorEventLoopDelay) from start to stop. */
  loopStart: '/_bench/loop/start',
  loopStop: '/_bench/loop/stop',
  /** Model-call-only workloads: ?kind=stream|chat&calls=N&concurrency=C model calls made by the service itself, no inbound request per call. */
  modelCalls: '/_bench/model-calls',
};

/** Request header carrying the service's own call number to its fetch wrapper. */
export const RECORDING_HEADER = 'x-bench-call';

/** Most streaming-call records the service keeps between two drains. */
export const STREAM_RECORD_LIMIT = 20_000;
