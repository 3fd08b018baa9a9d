// What the metrics component (../telemetry.ts) and doctor take from this folder: the span-derived
// LLM metrics with exemplars, the Prometheus endpoint that exposes them, and the remote recording of
// worker threads' and cluster workers' calls (remote/).
export { createLlmMetrics, type LlmMetrics } from './llm-metrics.js';
export { createPrometheusEndpoint, type PrometheusEndpoint } from './endpoint.js';
export type { LlmMetricsOptions } from './options.js';
export { LlmMetricsSpanProcessor } from './span-processor.js';
export { ExemplarPreselect, Forwarder } from './remote/forwarder.js';
export { PeerReceiver } from './remote/receiver.js';
export { acceptWorkerThreads, connectToMainThread, type WorkerThreadsAcceptor } from './remote/threads.js';
export { acceptClusterWorkers, clusterWorkerId, connectToPrimary, isClusterWorker } from './remote/cluster.js';
