// What both transport taps share: recognising a model request, starting its ModelCall in the
// caller's context, and the sweep that ends calls whose stream the application abandoned.
import { context, propagation, type Context, type Tracer } from '@opentelemetry/api';
import type { HeaderLookup, RecognisedCall, RequestTarget } from '../providers/types.js';
import { ModelCall, type RecorderOptions } from '../spans/model-call.js';
import { CandidateCall } from './candidate-call.js';

/** What a tap reports one observed request to: a ModelCall, or a CandidateCall its exchange may prove one. */
export interface ObservedCall {
  /** True while the request is not (yet) a model call: the HTTP instrumentation keeps its span for it. */
  readonly provisional?: boolean;
  /** True once the request is known not to be a model call: the tap may forget it. */
  readonly dismissed?: boolean;
  readonly ended: boolean;
  lateRequestBody(requestBody: string): void;
  onResponseHead(status: number, header: HeaderLookup): void;
  onChunk(chunk: Uint8Array): void;
  onComplete(): void;
  onError(error: unknown): void;
  onCancel(): void;
}

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
   * propagation headers of the new span; the caller writes them into the outgoing request. A
   * candidate route's request (recogniseCandidate) starts nothing yet: it is a CandidateCall, which
   * becomes a model call, in this same context and from this same start, once its exchange proves it.
   */
  begin(
    call: RecognisedCall,
    target: RequestTarget,
    startedAt: number,
    requestBody: string | undefined,
    inject: (name: string, value: string) => void,
  ): ObservedCall {
    const { proof } = call.route;
    if (proof !== undefined) return new CandidateCall(call, proof, target, startedAt, context.active(), requestBody, this.confirmCandidate);
    const modelCall = this.start(call, target, startedAt, context.active(), requestBody);
    const carrier: Record<string, string> = {};
    propagation.inject(modelCall.context(), carrier);
    for (const name in carrier) inject(name, carrier[name]!);
    return modelCall;
  }

  done(call: ObservedCall): void {
    // A candidate is tracked only once proven, as the model call it became.
    const modelCall = call instanceof CandidateCall ? call.proven : (call as ModelCall);
    if (modelCall !== undefined) this.active.delete(modelCall);
  }

  /** A proven candidate's model call: its span starts when the request did; its headers are long gone, so nothing is injected. */
  private readonly confirmCandidate = (call: RecognisedCall, target: RequestTarget, startedAt: number, parent: Context, requestBody: string | undefined) =>
    this.start(call, target, startedAt, parent, requestBody);

  private start(call: RecognisedCall, target: RequestTarget, startedAt: number, parent: Context, requestBody: string | undefined): ModelCall {
    const modelCall = new ModelCall(this.tracer, this.options, call, target, parent, startedAt);
    modelCall.start(requestBody);
    this.track(modelCall);
    return modelCall;
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
