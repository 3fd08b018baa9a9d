// Reads one model exchange's bytes into facts: the request body, the response head, each body chunk
// as it arrives, the end. It chooses the stream decoder from the response's content type, buffers a
// whole (non-streamed) body up to a bound and parses JSON, and hands every piece to the route's
// parser. The recorder (agent/spans/model-call.ts) turns the facts it holds into a span; this reader
// knows nothing of spans, and never throws on bad input.
import type { StreamDecoder } from './decoders/index.js';
import { skimObject } from './json-skim.js';
import { createStreamReader } from './stream-reader.js';
import { GEN_AI_REQUEST_STREAM } from '../semconv.js';
import { emptyResponseFacts, type HeaderLookup, type ParseOptions, type ProviderParser, type RecognisedCall, type RequestFacts, type ResponseFacts, type StreamFormat } from './types.js';

/** Request bodies shorter than this are parsed whole: skimming saves nothing on a short request. */
const SKIM_FROM_CHARS = 16 * 1024;

/** Larger non-streamed bodies (huge embedding batches) are not parsed: usage is not worth 8 MiB of copies. */
const MAX_PARSED_BODY_BYTES = 8 * 1024 * 1024;

export class ExchangeReader {
  /** What the request asked for; undefined until its body was read (or when it was not JSON). */
  request: RequestFacts | undefined;
  readonly response: ResponseFacts = emptyResponseFacts();
  /** The HTTP status, 0 until the response head arrived. */
  status = 0;
  private decoder: StreamDecoder | undefined;
  private body: Uint8Array[] | undefined;
  private bodyBytes = 0;

  constructor(
    private readonly call: RecognisedCall,
    private readonly options: ParseOptions,
  ) {}

  /** The model the request names (its body, else the URL: Azure's deployment). */
  get model(): string | undefined {
    return this.request?.model ?? this.call.pathModel;
  }

  /** Reads the JSON request body; returns its facts, or undefined when it is not JSON. */
  readRequest(body: string): RequestFacts | undefined {
    const { parser } = this.call.route;
    const fields = !this.options.captureContent && body.length >= SKIM_FROM_CHARS ? requestFieldSet(parser) : undefined;
    const json = fields === undefined ? parseJson(body) : skimObject(body, fields);
    if (json === undefined) return undefined;
    const facts = parser.readRequest(json, this.options);
    // Azure names the deployment in the path; the body may carry no model at all.
    facts.model ??= this.call.pathModel;
    // A path that asks for a stream (Gemini's :streamGenerateContent) streams whatever the body says.
    if (this.call.route.streams === true) {
      facts.stream = true;
      facts.attributes[GEN_AI_REQUEST_STREAM] = true;
    }
    this.request = facts;
    return facts;
  }

  /** `onContent` hears of every stream event that carried generated content, as it is read. */
  onResponseHead(status: number, header: HeaderLookup, onContent: () => void): void {
    this.status = status;
    const { route } = this.call;
    if (status >= 200 && status < 300) {
      route.parser.readResponseHeaders?.(header, this.response);
      const streamAsked = route.streams === true || this.request?.stream === true;
      const format = streamFormatOf(header('content-type'), streamAsked ? route.streamFormat : undefined);
      if (format) {
        this.decoder = createStreamReader(format, route.parser, this.response, this.options, onContent);
        return;
      }
    }
    this.body = [];
  }

  /** Hot path: once per body chunk of the response. */
  push(chunk: Uint8Array): void {
    if (this.decoder) this.decoder.push(chunk);
    else if (this.body && this.bodyBytes <= MAX_PARSED_BODY_BYTES) {
      this.bodyBytes += chunk.byteLength;
      this.body.push(chunk);
    }
  }

  /** The response ended (completely or not): reads what is left. Safe to call more than once. */
  end(): void {
    this.decoder?.end();
    this.decoder = undefined;
    if (this.body) this.readWholeBody();
  }

  /**
   * The exchange stopped early: a partial body is not parsed, and with `readStreamRest` (an error or
   * a cancel, not an abandoned stream) what the stream decoder still holds is read.
   */
  stop(readStreamRest: boolean): void {
    if (readStreamRest) this.decoder?.end();
    this.decoder = undefined;
    this.body = undefined;
  }

  private readWholeBody(): void {
    const chunks = this.body!;
    this.body = undefined;
    if (this.bodyBytes > MAX_PARSED_BODY_BYTES || chunks.length === 0) return;
    const json = parseJson(Buffer.concat(chunks).toString('utf8'));
    if (json === undefined) return;
    if (this.status >= 400) {
      this.response.errorType = undefined; // an HTTP error is typed by its status code
      return;
    }
    this.call.route.parser.readResponse(json, this.response, this.options);
  }
}

/** Content types that name a stream format, whatever the route expects. */
const STREAM_CONTENT_TYPES: ReadonlyArray<readonly [prefix: string, format: StreamFormat]> = [
  ['text/event-stream', 'sse'],
  ['application/x-ndjson', 'ndjson'],
  ['application/jsonl', 'ndjson'],
  // Cohere's v1 streams (chat, generate): one JSON object a line.
  ['application/stream+json', 'ndjson'],
  ['application/vnd.amazon.eventstream', 'aws-eventstream'],
];

/**
 * The stream format of a response: its content type's, else the route's when a stream was asked
 * for. A JSON body is a whole body, unless the route's own stream format is sent as JSON (a JSON
 * array stream: Gemini's streamGenerateContent without `alt=sse`).
 */
export function streamFormatOf(contentType: string | undefined, requested: StreamFormat | undefined): StreamFormat | undefined {
  if (contentType) {
    const type = contentType.toLowerCase();
    for (const [prefix, format] of STREAM_CONTENT_TYPES) if (type.startsWith(prefix)) return format;
    if (type.startsWith('application/json')) return requested === 'json-array' ? requested : undefined;
  }
  return requested;
}

const fieldSets = new WeakMap<ProviderParser, ReadonlySet<string> | null>();

function requestFieldSet(parser: ProviderParser): ReadonlySet<string> | undefined {
  let fields = fieldSets.get(parser);
  if (fields === undefined) {
    fields = parser.requestFields ? new Set(parser.requestFields) : null;
    fieldSets.set(parser, fields);
  }
  return fields ?? undefined;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
