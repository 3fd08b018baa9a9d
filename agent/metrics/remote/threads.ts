// The worker-thread transport. Each worker's agent opens a MessageChannel of its own and hands the
// far end to the main thread with worker_threads.postMessageToThread (Node 22.5 and later), which
// arrives as the process's 'workerMessage' event: never on the application's parentPort, nor on its
// worker.on('message') handlers. (An application listening to 'workerMessage' itself sees this one
// hello per worker, tagged with HELLO; it carries nothing else.)
//
// Why a port per worker rather than one BroadcastChannel: a BroadcastChannel delivers each message to
// every other instance of its name, so every worker would also deserialize every other worker's calls;
// and a port's 'close' tells the main thread when its worker is gone however it went, terminate()
// included, which runs no JavaScript in the worker at all. Both ends are unref'd: the agent's channel
// never keeps a worker, or the process, alive. The main thread's agent, shutting down (SIGTERM), asks
// each worker over its port to export the spans it holds: signals reach the main thread only, and
// the process dies with whatever the workers' batches still held, exemplars perhaps among them.
import { MessageChannel, MessagePort, postMessageToThread } from 'node:worker_threads';
import type { CallSink } from '../call-sink.js';
import type { Forwarder } from './forwarder.js';
import { isFlushMessage, type FlushMessage } from './messages.js';
import { PeerReceiver } from './receiver.js';

const HELLO = 'llm-otel-agent/metrics-port';
/** The main thread's id in every process. */
const MAIN_THREAD_ID = 0;

interface Hello {
  type: typeof HELLO;
  port: MessagePort;
}

const isHello = (value: unknown): value is Hello =>
  typeof value === 'object' && value !== null && (value as Hello).type === HELLO && (value as Hello).port instanceof MessagePort;

export interface WorkerThreadsAcceptor {
  /** Asks every connected worker to export the spans it holds; resolves once each answered or went. */
  flushWorkers(): Promise<void>;
  stop(): void;
}

/** Main thread: records the model calls of every worker thread that connects into `sink` (none: metrics are off). */
export function acceptWorkerThreads(sink: CallSink | undefined): WorkerThreadsAcceptor {
  /** Each connected worker's port, with the answer to a flush request in progress. */
  const ports = new Map<MessagePort, (() => void) | undefined>();
  const onHello = (value: unknown): void => {
    if (!isHello(value)) return;
    const { port } = value;
    const receiver = sink && new PeerReceiver(sink);
    ports.set(port, undefined);
    port.on('message', (message: unknown) => {
      if (isFlushMessage(message, 'flushed')) ports.get(port)?.();
      else receiver?.receive(message);
    });
    port.once('close', () => {
      receiver?.peerGone();
      ports.get(port)?.();
      ports.delete(port);
    });
    port.unref(); // after on('message'), which refs it
  };
  process.on('workerMessage', onHello);
  return {
    flushWorkers: () =>
      Promise.all(
        [...ports.keys()].map(
          (port) =>
            new Promise<void>((resolve) => {
              ports.set(port, resolve);
              port.postMessage({ k: 'flush' } satisfies FlushMessage);
            }),
        ),
      ).then(() => undefined),
    stop: () => process.off('workerMessage', onHello),
  };
}

/**
 * Worker thread: sends the calls `forwarder` is handed to the main thread (none: the main thread
 * records no metrics), and answers its flush requests with `flush` (the worker's span export).
 */
export function connectToMainThread(forwarder: Forwarder | undefined, flush: () => Promise<void>, onFailure: (err: unknown) => void): void {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (message: unknown) => {
    if (!isFlushMessage(message, 'flush')) return;
    void flush()
      .catch(() => undefined)
      .then(() => port1.postMessage({ k: 'flushed' } satisfies FlushMessage));
  });
  port1.unref(); // after on('message'), which refs it
  const hello: Hello = { type: HELLO, port: port2 };
  // Messages posted before the main thread takes the port wait in it, so none is lost meanwhile.
  forwarder?.connect((message) => port1.postMessage(message));
  postMessageToThread(MAIN_THREAD_ID, hello, [port2]).catch((err: unknown) => {
    forwarder?.connect(() => {}); // nobody will read the port: stop filling it
    port1.close();
    onFailure(err);
  });
}
