// What the main thread's agent tells the agents of its worker threads. `--import` runs in every worker
// thread as well (Node 22 and 24), so each worker starts an agent of its own; to its operators the
// service is still one process: one resource, one /metrics endpoint, one set of counts, one GPU poller.
//
// The main thread's agent writes this into the worker_threads environment data, of which every new
// Worker gets a copy before any of its code runs (nested workers get their parent's copy): so a
// worker's agent knows at start, synchronously and without a handshake, that the main thread runs the
// agent, which resource its spans belong to, and whether its model calls are recorded there.
import type { Attributes, Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import * as workerThreads from 'node:worker_threads';
import { THREAD_ID, THREAD_NAME } from './semconv.js';

export interface MainThreadAgent {
  /** The process's resource attributes, which the worker's spans share. */
  resource: Attributes;
  /** The main thread records the workers' model calls (it has a metrics exporter). */
  recordsWorkerCalls: boolean;
}

const KEY = 'llm-otel-agent';

export const isMainThread = workerThreads.isMainThread;

/** Main thread: what every worker created from now on gets. */
export function shareWithWorkerThreads(agent: MainThreadAgent): void {
  workerThreads.setEnvironmentData(KEY, agent);
}

/** Worker thread: what the main thread's agent shared; undefined on the main thread, or when it runs no agent. */
export function mainThreadAgent(): MainThreadAgent | undefined {
  if (workerThreads.isMainThread) return undefined;
  const value = workerThreads.getEnvironmentData(KEY) as Partial<MainThreadAgent> | undefined;
  if (typeof value !== 'object' || value === null || typeof value.resource !== 'object' || value.resource === null) return undefined;
  return { resource: value.resource, recordsWorkerCalls: value.recordsWorkerCalls === true };
}

/** Writes thread.id and thread.name (the conventions' names) on every span a worker thread starts. */
export class ThreadAttributesProcessor implements SpanProcessor {
  private readonly attributes: Attributes;

  constructor() {
    // threadName: Node 22.20 and later; '' (Node 22) or 'WorkerThread' (Node 24) when the worker was given no name.
    const name = (workerThreads as { threadName?: string | null }).threadName;
    this.attributes = { [THREAD_ID]: workerThreads.threadId, ...(name ? { [THREAD_NAME]: name } : {}) };
  }

  onStart(span: Span, _parentContext: Context): void {
    span.setAttributes(this.attributes);
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
