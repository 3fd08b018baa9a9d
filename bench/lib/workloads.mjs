// The workloads a service child runs, in this order, each with a warm-up and a timed phase.
// `callsFactor` scales BENCH_CALLS so each timed phase lasts a few seconds: a plain HTTP answer is
// about fifty times cheaper than a 200-chunk stream.
import { SERVICE_PATHS } from './service-protocol.mjs';

// `internal` workloads are the service's own loop of model calls, started by one request (the runner
// reads their figures from the answer): the model-call path alone, without an inbound HTTP server.
export const WORKLOADS = [
  { id: 'calls', label: 'streamed model calls, no inbound HTTP', internal: 'stream', callsFactor: 1, perChunk: true },
  { id: 'calls-chat', label: 'non-streamed model calls, no inbound HTTP', internal: 'chat', callsFactor: 2 },
  { id: 'stream', label: 'streaming chat', path: SERVICE_PATHS.stream, method: 'POST', callsFactor: 1, streamed: true },
  { id: 'chat', label: 'non-streaming chat', path: SERVICE_PATHS.chat, method: 'POST', callsFactor: 2, streamed: false },
  { id: 'embeddings', label: 'embeddings', path: SERVICE_PATHS.embeddings, method: 'POST', callsFactor: 2, streamed: false },
  { id: 'plain', label: 'plain HTTP (no model call)', path: SERVICE_PATHS.plain, method: 'GET', callsFactor: 5, streamed: false },
];

/** BENCH_WORKLOADS (comma-separated ids) or all; the streaming workload is always kept, the report's figures lean on it. */
export function selectWorkloads(ids) {
  if (!ids) return WORKLOADS;
  const wanted = new Set(['stream', ...ids.split(',').map((id) => id.trim())]);
  const unknown = [...wanted].filter((id) => !WORKLOADS.some((workload) => workload.id === id));
  if (unknown.length > 0) throw new Error(`BENCH_WORKLOADS: unknown ${unknown.join(', ')}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
  return WORKLOADS.filter((workload) => wanted.has(workload.id));
}
