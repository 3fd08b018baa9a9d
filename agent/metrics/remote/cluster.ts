// The cluster transport (node:cluster, and pm2's cluster mode, which is built on it): each worker's
// agent sends its calls to the primary over the IPC channel cluster already has.
//
// Every message is `{ cmd: 'NODE_LLM_OTEL_AGENT', ... }`. Node delivers a message whose cmd starts
// with NODE_ as the 'internalMessage' event instead of 'message' (lib/internal/child_process.js;
// cluster's own NODE_CLUSTER messages travel the same way, and its handler ignores any other cmd),
// so no application handler, process.on('message'), worker.on('message') or cluster.on('message'),
// ever sees one, nor does pm2's daemon (the primary of pm2's cluster mode), which passes its workers'
// messages on to its bus. prom-client's AggregatorRegistry uses plain typed messages instead, which
// every handler sees and must ignore: tolerable for one request per scrape, not for one message per
// model call. Node documents the prefix as reserved for its core and subject to change: the hello
// below is the guard. A worker records through the primary only once the primary's agent has answered
// its hello; if the prefix ever stopped working, or the primary runs no agent (pm2's daemon, or a
// worker given the agent by other means), no answer comes, and the worker serves /metrics itself.
//
// In a worker thread of a cluster worker, cluster.isWorker is false (Node removes NODE_UNIQUE_ID from
// the worker's environment at start-up) and there is no process.send: such threads talk to their own
// main thread (threads.ts), which relays.
import cluster, { type Worker } from 'node:cluster';
import { guard } from '../../log.js';
import type { CallSink } from '../call-sink.js';
import type { Forwarder } from './forwarder.js';
import type { CallMessage } from './messages.js';
import { PeerReceiver } from './receiver.js';

export const CLUSTER_CMD = 'NODE_LLM_OTEL_AGENT';
/** How long a worker waits for its primary's answer before it serves its own /metrics. */
export const HELLO_TIMEOUT_MS = 2000;

type Envelope = { cmd: typeof CLUSTER_CMD } & ({ hello: true } | { ack: true } | { call: CallMessage });

const isEnvelope = (value: unknown): value is Envelope =>
  typeof value === 'object' && value !== null && (value as { cmd?: unknown }).cmd === CLUSTER_CMD;

/** An IPC endpoint: the worker's `process`, or the primary's view of a worker (`worker.process`). */
interface Channel {
  connected: boolean;
  send?(message: unknown, callback: (error: Error | null) => void): boolean;
  on(event: 'internalMessage', listener: (message: unknown) => void): unknown;
  off(event: 'internalMessage', listener: (message: unknown) => void): unknown;
}

/** Sends without ever throwing or emitting 'error' (a closed channel does that when there is no callback). */
function send(channel: Channel, message: Envelope): void {
  if (!channel.connected || !channel.send) return;
  try {
    channel.send(message, ignore);
  } catch {
    // the channel closed meanwhile: the worker is going, nothing more can be sent
  }
}
const ignore = (): void => {};

/** True in a cluster worker's main thread (worker threads of a cluster worker inherit its environment, not its IPC channel). */
export function isClusterWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/** The worker's id in its cluster (1, 2, …: cluster.worker.id), for the fallback port. */
export function clusterWorkerId(): number {
  return cluster.worker?.id ?? 0;
}

/** Primary: records the model calls of every worker it forks that runs the agent into `sink`. Returns the stop. */
export function acceptClusterWorkers(sink: CallSink): () => void {
  const onFork = (worker: Worker): void => {
    const channel = worker.process as unknown as Channel;
    let receiver: PeerReceiver | undefined;
    const onMessage = (message: unknown): void => {
      if (!isEnvelope(message)) return;
      guard('metrics.cluster', () => {
        if ('hello' in message) {
          receiver ??= new PeerReceiver(sink);
          send(channel, { cmd: CLUSTER_CMD, ack: true });
        } else if ('call' in message) {
          receiver?.receive(message.call);
        }
      });
    };
    channel.on('internalMessage', onMessage);
    // 'disconnect' comes once the channel is closed, after every message it carried was read; 'exit'
    // may come first. Late messages of a gone worker still count its ended calls (receiver.ts).
    const gone = (): void => {
      receiver?.peerGone();
    };
    worker.once('disconnect', gone);
    worker.once('exit', () => {
      gone();
      channel.off('internalMessage', onMessage);
    });
  };
  cluster.on('fork', onFork);
  return () => cluster.off('fork', onFork);
}

/**
 * Worker: says hello to the primary. When the primary's agent answers, `forwarder` sends its calls
 * there (those held meanwhile first); when no answer comes within HELLO_TIMEOUT_MS, `onNoPrimary`.
 * Returns the cancel (shutdown before an answer).
 */
export function connectToPrimary(forwarder: Forwarder, onNoPrimary: () => void): () => void {
  const channel = process as unknown as Channel;
  let settled = false;
  const settle = (): void => {
    settled = true;
    clearTimeout(timer);
    channel.off('internalMessage', onMessage);
  };
  const onMessage = (message: unknown): void => {
    if (settled || !isEnvelope(message) || !('ack' in message)) return;
    settle();
    forwarder.connect((call) => send(channel, { cmd: CLUSTER_CMD, call }));
  };
  channel.on('internalMessage', onMessage);
  // When the timer fires after a long synchronous stretch (a slow start-up), the answer may be
  // waiting unread in the channel: the loop reads I/O before it runs setImmediate callbacks.
  const timer = setTimeout(() => {
    setImmediate(() => {
      if (settled) return;
      settle();
      onNoPrimary();
    });
  }, HELLO_TIMEOUT_MS);
  timer.unref();
  send(channel, { cmd: CLUSTER_CMD, hello: true });
  return () => {
    if (!settled) settle();
  };
}
