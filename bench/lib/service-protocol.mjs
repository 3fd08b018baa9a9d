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
};

/** Request header carrying the service's own call number to its fetch wrapper. */
export const RECORDING_HEADER = 'x-bench-call';

/** Most streaming-call records the service keeps between two drains. */
export const STREAM_RECORD_LIMIT = 20_000;
