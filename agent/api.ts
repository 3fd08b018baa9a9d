// The public API for models that run in the process (node-llama-cpp, transformers.js, ...), where
// there is no HTTP request to observe. It produces the same span as a remote model call, with time
// to first chunk, so the same metrics and dashboards apply.
import { SpanKind, context, trace, type Attributes, type Span } from '@opentelemetry/api';
import { emptyResponseFacts, type ResponseFacts } from './providers/types.js';
import { endCallSpan, errorTypeOf, responseFactsAttributes, type CallEnd } from './spans/model-call.js';
import * as attr from './semconv.js';
import { SpanClock } from './spans/span-clock.js';
import { StreamTiming } from './spans/stream-timing.js';
import { AGENT_VERSION } from './version.js';

export interface ModelCallInfo {
  /** gen_ai.request.model, e.g. "llama-3.2-1b-instruct-q4". */
  model: string;
  /** gen_ai.provider.name, e.g. "llama.cpp", "transformers.js". */
  provider: string;
  /** gen_ai.operation.name; "chat" unless given. */
  operation?: attr.GenAiOperation;
  stream?: boolean;
  /** More gen_ai.request.* attributes (max_tokens, temperature, ...). */
  attributes?: Attributes;
}

export interface ModelCallUsage {
  inputTokens?: number;
  outputTokens?: number;
  finishReasons?: string[];
  responseModel?: string;
  responseId?: string;
}

export interface ModelCallHandle {
  /** A chunk of generated content arrived: the first one sets time to first chunk. */
  chunk(): void;
  /** What the model reported about the call. */
  setUsage(usage: ModelCallUsage): void;
}

/** Captured content is not offered here: the application holds the text and decides what to record. */
const RECORDER_OPTIONS = { captureContent: false, captureMaxLength: 0 };

class InProcessCall implements ModelCallHandle {
  readonly span: Span;
  private readonly startedAt = performance.now();
  private readonly clock = new SpanClock();
  private readonly timing = new StreamTiming();
  private readonly facts: ResponseFacts = emptyResponseFacts();
  private ended = false;

  constructor(info: ModelCallInfo) {
    const operation = info.operation ?? 'chat';
    this.span = trace.getTracer(attr.MODEL_CALL_SCOPE, AGENT_VERSION).startSpan(`${operation} ${info.model}`, {
      kind: SpanKind.CLIENT,
      startTime: this.clock.at(this.startedAt),
      attributes: {
        ...info.attributes,
        [attr.GEN_AI_OPERATION_NAME]: operation,
        [attr.GEN_AI_PROVIDER_NAME]: info.provider,
        [attr.GEN_AI_REQUEST_MODEL]: info.model,
        ...(info.stream === undefined ? {} : { [attr.GEN_AI_REQUEST_STREAM]: info.stream }),
      },
    });
  }

  chunk(): void {
    this.timing.mark(performance.now());
  }

  setUsage(usage: ModelCallUsage): void {
    const f = this.facts;
    f.inputTokens = usage.inputTokens ?? f.inputTokens;
    f.outputTokens = usage.outputTokens ?? f.outputTokens;
    f.responseModel = usage.responseModel ?? f.responseModel;
    f.responseId = usage.responseId ?? f.responseId;
    if (usage.finishReasons) f.finishReasons = usage.finishReasons;
  }

  end(how: CallEnd, error?: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const attributes = responseFactsAttributes(this.facts, RECORDER_OPTIONS);
    Object.assign(attributes, this.timing.attributes(this.startedAt, this.facts.outputTokens !== undefined));
    const errorType = how === 'completed' ? undefined : how === 'error' ? errorTypeOf(error) : how;
    endCallSpan(this.span, this.clock.now(), attributes, how, errorType, error instanceof Error ? error.message : undefined);
  }
}

/**
 * Runs `fn` as one model call: a GenAI span that is active while `fn` runs and ends when it
 * settles. Call `handle.chunk()` per generated chunk on streams and `handle.setUsage()` with what
 * the model reported. A rejection ends the span as an error and is passed on unchanged.
 */
export async function traceModelCall<T>(info: ModelCallInfo, fn: (handle: ModelCallHandle) => Promise<T> | T): Promise<T> {
  const call = new InProcessCall(info);
  try {
    const result = await context.with(trace.setSpan(context.active(), call.span), () => fn(call));
    call.end('completed');
    return result;
  } catch (error) {
    call.end('error', error);
    throw error;
  }
}

export interface TokenStreamOptions<T> {
  /** Whether an item carries generated content (default: every item does). */
  isContent?: (item: T) => boolean;
  /** Usage known once the stream has ended (token counts, finish reason). */
  usage?: () => ModelCallUsage | undefined;
}

/**
 * Wraps an async iterable of tokens (or chunks) so its consumption becomes one model call: the
 * span starts when iteration starts, the first content item sets time to first chunk, and the span
 * ends when the stream ends, fails, or the consumer stops early (`break`: ended as cancelled).
 * Items pass through untouched.
 */
export function traceTokenStream<T>(info: ModelCallInfo, tokens: AsyncIterable<T>, options: TokenStreamOptions<T> = {}): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      const source = tokens[Symbol.asyncIterator]();
      let call: InProcessCall | undefined;
      const finish = (how: CallEnd, error?: unknown) => {
        if (how === 'completed') {
          const usage = options.usage?.();
          if (usage) call?.setUsage(usage);
        }
        call?.end(how, error);
      };
      return {
        async next(): Promise<IteratorResult<T>> {
          call ??= new InProcessCall({ stream: true, ...info });
          try {
            const result = await source.next();
            if (result.done) finish('completed');
            else if (!options.isContent || options.isContent(result.value)) call.chunk();
            return result;
          } catch (error) {
            finish('error', error);
            throw error;
          }
        },
        async return(value?: unknown): Promise<IteratorResult<T>> {
          finish('cancelled');
          return source.return ? source.return(value) : { done: true, value: value as T };
        },
        async throw(error?: unknown): Promise<IteratorResult<T>> {
          finish('error', error);
          if (source.throw) return source.throw(error);
          throw error;
        },
      };
    },
  };
}
