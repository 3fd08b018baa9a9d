// The one recorder: a transport tap reports what it sees of one model request (the request body,
// the response head, each body chunk as it arrives, the end), the exchange reader
// (providers/exchange-reader.ts) turns those bytes into facts, and this class turns the facts into
// one GenAI CLIENT span. Nothing here can reach the application: every entry point is called inside
// the tap's guard, and no method throws on bad input.
import { SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import { ExchangeReader } from '../providers/exchange-reader.js';
import type { HeaderLookup, RecognisedCall, RequestTarget, ResponseFacts } from '../providers/types.js';
import { redactUrl } from './redact.js';
import { SpanClock } from './span-clock.js';
import { StreamTiming } from './stream-timing.js';
import * as attr from '../semconv.js';
import { truncate } from './truncate.js';

export interface RecorderOptions {
  captureContent: boolean;
  captureMaxLength: number;
  /** The GenAI names to write (OTEL_SEMCONV_STABILITY_OPT_IN); v1.41's when absent. */
  conventions?: attr.GenAiConventions;
  /** Told when the request is read after the span started, so in-flight counts get the model. */
  onRequestKnown?: (span: Span) => void;
}

export type CallEnd = 'completed' | 'error' | 'cancelled' | 'abandoned';

export class ModelCall {
  private span: Span | undefined;
  private readonly exchange: ExchangeReader;
  private chunkArrivedAt = 0;
  private readonly timing = new StreamTiming();
  private readonly clock = new SpanClock();
  /** Stamps the arrival of a content chunk; one closure per call, not per chunk. */
  private readonly onContent = () => this.timing.mark(this.chunkArrivedAt);
  /** performance.now() of the last byte seen, for the abandoned-stream sweep. */
  lastActivity: number;
  ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly options: RecorderOptions,
    readonly call: RecognisedCall,
    private readonly target: RequestTarget,
    private readonly parent: Context,
    /** performance.now() when the application issued the request. */
    private readonly startedAt: number,
  ) {
    this.exchange = new ExchangeReader(call, { captureContent: options.captureContent });
    this.lastActivity = startedAt;
  }

  /** Starts the span; `requestBody` is the JSON body when the transport has it whole at this point. */
  start(requestBody: string | undefined): Span {
    const attributes: Attributes = {
      [attr.GEN_AI_OPERATION_NAME]: this.call.route.operation,
      [attr.GEN_AI_PROVIDER_NAME]: this.call.providerName,
      [attr.SERVER_ADDRESS]: this.target.host,
      [attr.SERVER_PORT]: this.target.port,
      [attr.HTTP_REQUEST_METHOD]: this.target.method,
      [attr.URL_FULL]: redactUrl(this.target.url),
    };
    if (requestBody !== undefined) this.readRequest(requestBody, attributes);
    this.span = this.tracer.startSpan(
      this.spanName(),
      { kind: SpanKind.CLIENT, attributes, startTime: this.clock.at(this.startedAt) },
      this.parent,
    );
    return this.span;
  }

  /** The context to inject into the outgoing request, so the server's spans are children of this one. */
  context(): Context {
    return this.span ? trace.setSpan(this.parent, this.span) : this.parent;
  }

  /** For transports that see the body only after the span started (node:http writes it later). */
  lateRequestBody(requestBody: string): void {
    if (!this.span || this.exchange.request) return;
    const attributes: Attributes = {};
    this.readRequest(requestBody, attributes);
    this.span.setAttributes(attributes);
    this.span.updateName(this.spanName());
    this.options.onRequestKnown?.(this.span);
  }

  onResponseHead(status: number, header: HeaderLookup): void {
    this.lastActivity = performance.now();
    this.exchange.onResponseHead(status, header, this.onContent);
  }

  /** Hot path: once per body chunk of the response. */
  onChunk(chunk: Uint8Array): void {
    const now = performance.now();
    this.lastActivity = now;
    this.chunkArrivedAt = now;
    this.exchange.push(chunk);
  }

  onComplete(): void {
    if (this.ended) return;
    this.exchange.end();
    const { status, response } = this.exchange;
    const failed = status >= 400 || response.errorType !== undefined;
    this.finish(failed ? 'error' : 'completed', failed ? (response.errorType ?? String(status)) : undefined);
  }

  onError(error: unknown): void {
    if (this.ended) return;
    if (isAbort(error)) return this.onCancel();
    this.exchange.stop(true);
    this.finish('error', errorTypeOf(error), error instanceof Error ? error.message : undefined);
  }

  /** The application aborted the request or stopped reading the stream (a `break` out of an SDK stream). */
  onCancel(): void {
    if (this.ended) return;
    this.exchange.stop(true);
    this.finish('cancelled', 'cancelled', 'the application cancelled the call before it completed');
  }

  /** Nothing arrived for a long time and nobody is reading: end the span rather than hold it forever. */
  onAbandoned(): void {
    if (this.ended) return;
    this.exchange.stop(false);
    this.finish('abandoned', 'abandoned', 'no response activity; the stream was abandoned');
  }

  private finish(end: CallEnd, errorType: string | undefined, message?: string): void {
    this.ended = true;
    if (!this.span) return;
    endCallSpan(this.span, this.clock.now(), this.responseAttributes(), end, errorType, message);
    this.span = undefined;
  }

  private responseAttributes(): Attributes {
    const { status, response } = this.exchange;
    const out = responseFactsAttributes(response, this.options);
    if (status) out[attr.HTTP_RESPONSE_STATUS_CODE] = status;
    Object.assign(out, this.timing.attributes(this.startedAt, response.outputTokens !== undefined));
    return out;
  }

  private readRequest(body: string, into: Attributes): void {
    const facts = this.exchange.readRequest(body);
    if (facts === undefined) return;
    if (facts.model) into[attr.GEN_AI_REQUEST_MODEL] = facts.model;
    Object.assign(into, facts.attributes);
    if (this.options.captureContent) {
      if (facts.inputMessages) into[attr.GEN_AI_INPUT_MESSAGES] = truncate(JSON.stringify(facts.inputMessages), this.options.captureMaxLength);
      if (facts.systemInstructions) into[attr.GEN_AI_SYSTEM_INSTRUCTIONS] = truncate(JSON.stringify(facts.systemInstructions), this.options.captureMaxLength);
    }
  }

  private spanName(): string {
    const model = this.exchange.model;
    return model ? `${this.call.route.operation} ${model}` : this.call.route.operation;
  }
}

/** Ends a model-call span at `endTime` (epoch ms, from the span's SpanClock) with its final attributes and, when it did not complete, the reason. */
export function endCallSpan(span: Span, endTime: number, attributes: Attributes, end: CallEnd, errorType?: string, message?: string): void {
  if (end !== 'completed') attributes[attr.LLM_RESPONSE_END] = end;
  if (errorType) {
    attributes[attr.ERROR_TYPE] = errorType;
    span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? errorType });
  }
  span.setAttributes(attributes);
  span.end(endTime);
}

/** The span attributes of what the response said; shared with the in-process API. */
export function responseFactsAttributes(f: ResponseFacts, options: RecorderOptions): Attributes {
  const out: Attributes = {};
  if (f.responseModel) out[attr.GEN_AI_RESPONSE_MODEL] = f.responseModel;
  if (f.responseId) out[attr.GEN_AI_RESPONSE_ID] = f.responseId;
  if (f.finishReasons.length) out[attr.GEN_AI_RESPONSE_FINISH_REASONS] = f.finishReasons;
  if (f.inputTokens !== undefined) out[attr.GEN_AI_USAGE_INPUT_TOKENS] = f.inputTokens;
  if (f.outputTokens !== undefined) out[attr.GEN_AI_USAGE_OUTPUT_TOKENS] = f.outputTokens;
  if (f.cacheReadInputTokens !== undefined) out[attr.GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = f.cacheReadInputTokens;
  if (f.cacheCreationInputTokens !== undefined) {
    out[attr.GEN_AI_RENAMED_ATTRIBUTES[options.conventions ?? 'v1.41'].cacheCreationInputTokens] = f.cacheCreationInputTokens;
  }
  if (f.reasoningOutputTokens !== undefined) out[attr.GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = f.reasoningOutputTokens;
  if (f.embeddingDimensions !== undefined) out[attr.GEN_AI_EMBEDDINGS_DIMENSION_COUNT] = f.embeddingDimensions;
  if (options.captureContent && f.outputText !== undefined) {
    out[attr.GEN_AI_OUTPUT_MESSAGES] = truncate(
      JSON.stringify([{ role: 'assistant', parts: [{ type: 'text', content: f.outputText }], finish_reason: f.finishReasons[0] }]),
      options.captureMaxLength,
    );
  }
  return out;
}

function isAbort(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return error.name === 'AbortError' || code === 'UND_ERR_ABORTED' || code === 'ABORT_ERR' || code === 'ECONNRESET_BY_APP';
}

/** A low-cardinality error type: the error's code (ECONNREFUSED, UND_ERR_SOCKET) or its class, never its message. */
export function errorTypeOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code) return code;
    return error.name || 'Error';
  }
  return '_OTHER';
}
