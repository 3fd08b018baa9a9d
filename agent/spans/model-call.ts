// The one recorder: a transport tap reports what it sees of one model request (the request body,
// the response head, each body chunk as it arrives, the end), the provider parser turns bytes into
// facts, and this class turns facts into one GenAI CLIENT span. Nothing here can reach the
// application: every entry point is called inside the tap's guard, and no method throws on bad input.
import { SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { StreamDecoder } from '../providers/decoders/index.js';
import { createStreamReader } from '../providers/stream-reader.js';
import { emptyResponseFacts, type OutgoingRequest, type ParseOptions, type RecognisedCall, type RequestFacts, type ResponseFacts } from '../providers/types.js';
import { redactUrl } from './redact.js';
import { StreamTiming } from './stream-timing.js';
import * as attr from './semconv.js';
import { truncate } from './truncate.js';

export interface RecorderOptions {
  captureContent: boolean;
  captureMaxLength: number;
  /** Told when the request is read after the span started, so in-flight counts get the model. */
  onRequestKnown?: (span: Span) => void;
}

/** Larger non-streamed bodies (huge embedding batches) are not parsed: usage is not worth 8 MiB of copies. */
const MAX_PARSED_BODY_BYTES = 8 * 1024 * 1024;

export interface ModelRequestTarget extends OutgoingRequest {
  /** Full request URL; redacted before it is recorded. */
  url: string;
}

export type CallEnd = 'completed' | 'error' | 'cancelled' | 'abandoned';

export class ModelCall {
  private span: Span | undefined;
  private requestFacts: RequestFacts | undefined;
  private readonly facts: ResponseFacts = emptyResponseFacts();
  private readonly parseOptions: ParseOptions;
  private status = 0;
  private decoder: StreamDecoder | undefined;
  private body: Uint8Array[] | undefined;
  private bodyBytes = 0;
  private chunkArrivedAt = 0;
  private readonly timing = new StreamTiming();
  /** performance.now() of the last byte seen, for the abandoned-stream sweep. */
  lastActivity: number;
  ended = false;

  constructor(
    private readonly tracer: Tracer,
    private readonly options: RecorderOptions,
    readonly call: RecognisedCall,
    private readonly target: ModelRequestTarget,
    private readonly parent: Context,
    /** performance.now() when the application issued the request. */
    private readonly startedAt: number,
  ) {
    this.parseOptions = { captureContent: options.captureContent };
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
      { kind: SpanKind.CLIENT, attributes, startTime: performance.timeOrigin + this.startedAt },
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
    if (!this.span || this.requestFacts) return;
    const attributes: Attributes = {};
    this.readRequest(requestBody, attributes);
    this.span.setAttributes(attributes);
    this.span.updateName(this.spanName());
    this.options.onRequestKnown?.(this.span);
  }

  onResponseHead(status: number, contentType: string | undefined): void {
    this.status = status;
    this.lastActivity = performance.now();
    if (status >= 200 && status < 300) {
      const format = streamFormatOf(contentType, this.requestFacts?.stream === true ? this.call.route.streamFormat : undefined);
      if (format) {
        this.decoder = createStreamReader(format, this.call.route.parser, this.facts, this.parseOptions, () => this.timing.mark(this.chunkArrivedAt));
        return;
      }
    }
    this.body = [];
  }

  /** Hot path: once per body chunk of the response. */
  onChunk(chunk: Uint8Array): void {
    const now = performance.now();
    this.lastActivity = now;
    if (this.decoder) {
      this.chunkArrivedAt = now;
      this.decoder.push(chunk);
    } else if (this.body && this.bodyBytes <= MAX_PARSED_BODY_BYTES) {
      this.bodyBytes += chunk.byteLength;
      this.body.push(chunk);
    }
  }

  onComplete(): void {
    if (this.ended) return;
    this.decoder?.end();
    if (this.body) this.readWholeBody();
    const failed = this.status >= 400 || this.facts.errorType !== undefined;
    this.finish(failed ? 'error' : 'completed', failed ? (this.facts.errorType ?? String(this.status)) : undefined);
  }

  onError(error: unknown): void {
    if (this.ended) return;
    if (isAbort(error)) return this.onCancel();
    this.decoder?.end();
    this.finish('error', errorTypeOf(error), error instanceof Error ? error.message : undefined);
  }

  /** The application aborted the request or stopped reading the stream (a `break` out of an SDK stream). */
  onCancel(): void {
    if (this.ended) return;
    this.decoder?.end();
    this.finish('cancelled', 'cancelled', 'the application cancelled the call before it completed');
  }

  /** Nothing arrived for a long time and nobody is reading: end the span rather than hold it forever. */
  onAbandoned(): void {
    if (this.ended) return;
    this.finish('abandoned', 'abandoned', 'no response activity; the stream was abandoned');
  }

  private finish(end: CallEnd, errorType: string | undefined, message?: string): void {
    this.ended = true;
    this.decoder = undefined;
    if (!this.span) return;
    endCallSpan(this.span, this.responseAttributes(), end, errorType, message);
    this.span = undefined;
  }

  private responseAttributes(): Attributes {
    const out = responseFactsAttributes(this.facts, this.options);
    if (this.status) out[attr.HTTP_RESPONSE_STATUS_CODE] = this.status;
    Object.assign(out, this.timing.attributes(this.startedAt, this.facts.outputTokens !== undefined));
    return out;
  }

  private readRequest(body: string, into: Attributes): void {
    const json = parseJson(body);
    if (json === undefined) return;
    const facts = this.call.route.parser.readRequest(json, this.parseOptions);
    this.requestFacts = facts;
    // Azure names the deployment in the path; the body may carry no model at all.
    facts.model ??= this.call.pathModel;
    if (facts.model) into[attr.GEN_AI_REQUEST_MODEL] = facts.model;
    Object.assign(into, facts.attributes);
    if (this.options.captureContent) {
      if (facts.inputMessages) into[attr.GEN_AI_INPUT_MESSAGES] = truncate(JSON.stringify(facts.inputMessages), this.options.captureMaxLength);
      if (facts.systemInstructions) into[attr.GEN_AI_SYSTEM_INSTRUCTIONS] = truncate(JSON.stringify(facts.systemInstructions), this.options.captureMaxLength);
    }
  }

  private readWholeBody(): void {
    const chunks = this.body!;
    this.body = undefined;
    if (this.bodyBytes > MAX_PARSED_BODY_BYTES || chunks.length === 0) return;
    const json = parseJson(Buffer.concat(chunks).toString('utf8'));
    if (json === undefined) return;
    if (this.status >= 400) {
      this.facts.errorType = undefined; // an HTTP error is typed by its status code
      return;
    }
    this.call.route.parser.readResponse(json, this.facts, this.parseOptions);
  }

  private spanName(): string {
    const model = this.requestFacts?.model ?? this.call.pathModel;
    return model ? `${this.call.route.operation} ${model}` : this.call.route.operation;
  }
}

/** Ends a model-call span with its final attributes and, when it did not complete, the reason. */
export function endCallSpan(span: Span, attributes: Attributes, end: CallEnd, errorType?: string, message?: string): void {
  if (end !== 'completed') attributes[attr.LLM_RESPONSE_END] = end;
  if (errorType) {
    attributes[attr.ERROR_TYPE] = errorType;
    span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? errorType });
  }
  span.setAttributes(attributes);
  span.end();
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
  if (f.cacheCreationInputTokens !== undefined) out[attr.GEN_AI_USAGE_CACHE_CREATION_INPUT_TOKENS] = f.cacheCreationInputTokens;
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

function streamFormatOf(contentType: string | undefined, requested: 'sse' | 'ndjson' | undefined): 'sse' | 'ndjson' | undefined {
  if (contentType) {
    const type = contentType.toLowerCase();
    if (type.startsWith('text/event-stream')) return 'sse';
    if (type.startsWith('application/x-ndjson') || type.startsWith('application/jsonl')) return 'ndjson';
    if (type.startsWith('application/json')) return undefined;
  }
  return requested;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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
