// The recording side of one worker (a worker thread, or a cluster worker process): its messages
// (messages.ts) fed to the same sink the local span processor uses, so a worker's calls are counted,
// bucketed and exemplified by the very code that records the main thread's own. It also holds the
// worker's calls in flight, so that when the worker goes (terminated, killed, exited mid-stream) they
// leave llm_active_requests; what the worker ended before it went stays counted.
import { guard } from '../../log.js';
import type { CallSink, InFlight } from '../call-sink.js';
import { readCallMessage } from './messages.js';

export class PeerReceiver {
  private readonly inFlight = new Map<number, InFlight>();
  private gone = false;

  constructor(private readonly sink: CallSink) {}

  receive(value: unknown): void {
    guard('metrics.receive', () => {
      const message = readCallMessage(value);
      if (!message) return;
      switch (message.k) {
        case 'start': {
          // A start read after the worker was given up (its exit came before its last messages) would never end.
          if (this.gone || this.inFlight.has(message.id)) return;
          const inFlight = this.sink.started(message.labels);
          if (inFlight) this.inFlight.set(message.id, inFlight);
          return;
        }
        case 'end':
          this.sink.ended(message.facts, message.exemplar, message.id === undefined ? undefined : this.take(message.id));
          return;
        case 'drop':
          this.take(message.id)?.leave();
          return;
      }
    });
  }

  /** The worker is gone: its calls in flight will never end. Idempotent. */
  peerGone(): void {
    this.gone = true;
    guard('metrics.peerGone', () => {
      for (const inFlight of this.inFlight.values()) inFlight.leave();
      this.inFlight.clear();
    });
  }

  /** Calls of this worker counted in flight now (tests). */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  private take(id: number): InFlight | undefined {
    const inFlight = this.inFlight.get(id);
    if (inFlight) this.inFlight.delete(id);
    return inFlight;
  }
}
