// What both transport taps share: recognising a model request, starting its ModelCall in the
// caller's context, and the sweep that ends calls whose stream the application abandoned.
import { context, propagation, type Tracer } from '@opentelemetry/api';
import type { RecognisedCall, RequestTarget } from '../providers/types.js';
import { ModelCall, type RecorderOptions } from '../spans/model-call.js';

export interface TapOptions extends RecorderOptions {
  /** A stream with no byte in this long is taken as abandoned by the application. */
  idleTimeoutMs: number;
  /** LLM_OTEL_STREAM_INCLUDE_USAGE: ask OpenAI-compatible streams for usage. */
  streamIncludeUsage: boolean;
}

export class ModelCalls {
  private readonly active = new Set<ModelCall>();
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly tracer: Tracer,
    readonly options: TapOptions,
  ) {}

  /**
   * Starts a model call in the current (the application's) context. `inject` receives the
   * propagation headers of the new span; the caller writes them into the outgoing request.
   */
  begin(
    call: RecognisedCall,
    target: RequestTarget,
    startedAt: number,
    requestBody: string | undefined,
    inject: (name: string, value: string) => void,
  ): ModelCall {
    const modelCall = new ModelCall(this.tracer, this.options, call, target, context.active(), startedAt);
    modelCall.start(requestBody);
    const carrier: Record<string, string> = {};
    propagation.inject(modelCall.context(), carrier);
    for (const name in carrier) inject(name, carrier[name]!);
    this.track(modelCall);
    return modelCall;
  }

  done(call: ModelCall): void {
    this.active.delete(call);
  }

  private track(call: ModelCall): void {
    this.active.add(call);
    if (!this.sweeper) {
      const every = Math.max(1000, Math.min(this.options.idleTimeoutMs / 4, 60_000));
      this.sweeper = setInterval(() => this.sweep(), every);
      this.sweeper.unref(); // never keeps the application alive
    }
  }

  private sweep(): void {
    const deadline = performance.now() - this.options.idleTimeoutMs;
    for (const call of this.active) {
      if (call.ended) this.active.delete(call);
      else if (call.lastActivity < deadline) {
        call.onAbandoned();
        this.active.delete(call);
      }
    }
    if (this.active.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  /**
   * Ends every open call (process shutdown or a worker's exit), so their spans are flushed with the
   * rest: as cancelled, since the process cut them off (abandoned means nobody read for the idle timeout).
   */
  endAll(): void {
    for (const call of this.active) call.onCancel();
    this.active.clear();
  }
}
