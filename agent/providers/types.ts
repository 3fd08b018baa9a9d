// The one interface every provider implements. A provider is pure: it turns request JSON, response
// JSON and decoded stream events into facts. It never touches spans, sockets or timers; the
// recorder (agent/spans/) turns facts into a span and the transport taps (agent/transport/) feed it.
import type { AttributeValue } from '@opentelemetry/api';
import type { GenAiOperation } from '../semconv.js';
import type { KeyPattern } from './json-scan.js';

/** What the transport knows about an outgoing request before any byte of it is sent. */
export interface OutgoingRequest {
  method: string;
  /** Host name without port, lower case. */
  host: string;
  port: number;
  /** Path without the query string. */
  path: string;
}

/** An outgoing request with its full URL: what a tap builds (transport/request-target.ts) and the recorder records. */
export interface RequestTarget extends OutgoingRequest {
  /** The full URL with its query (the recorder redacts it before recording). */
  url: string;
}

/** A response header by its lower-case name (several values joined with `, `), as a tap reads it. */
export type HeaderLookup = (name: string) => string | undefined;

/** Facts read from the request body. */
export interface RequestFacts {
  model?: string;
  stream: boolean;
  /** gen_ai.request.* attributes present in the request (max_tokens, temperature, top_p, ...). */
  attributes: Record<string, AttributeValue>;
  /** Prompt messages as the conventions' gen_ai.input.messages shape; read only when content capture is on. */
  inputMessages?: unknown[];
  /** System instructions, when the provider keeps them apart from messages (Anthropic's `system`). */
  systemInstructions?: unknown[];
}

/** Facts read from the response (whole body or stream events), filled in as they arrive. */
export interface ResponseFacts {
  responseModel?: string;
  responseId?: string;
  finishReasons: string[];
  inputTokens?: number;
  outputTokens?: number;
  cacheReadInputTokens?: number;
  cacheCreationInputTokens?: number;
  reasoningOutputTokens?: number;
  /** An error reported inside a 200 response or stream (Anthropic's `error` event, say): a type, never a message. */
  errorType?: string;
  /** Embedding vector length, for embeddings. */
  embeddingDimensions?: number;
  /** Generated text, collected only when content capture is on. */
  outputText?: string;
}

export function emptyResponseFacts(): ResponseFacts {
  return { finishReasons: [] };
}

export interface ParseOptions {
  /** Collect prompt and completion text (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT). */
  captureContent: boolean;
}

/** One provider's parser. Every method is pure over its inputs and the facts object it fills. */
export interface ProviderParser {
  readRequest(body: unknown, options: ParseOptions): RequestFacts;
  /**
   * Optional: the top-level request fields readRequest reads when content is not captured. Declared,
   * a large request body is skimmed for these alone (json-skim.ts) instead of parsed whole.
   */
  requestFields?: readonly string[];
  /** A complete (non-streamed) JSON response body. */
  readResponse(body: unknown, facts: ResponseFacts, options: ParseOptions): void;
  /**
   * One decoded stream event: an SSE event's data (and its `event:` name, if any), one NDJSON line,
   * one element of a JSON array stream, or an AWS event-stream message's payload (and its event
   * type, see decoders/aws-eventstream.ts).
   * Returns true when the event carries generated content (text, tool-call arguments, reasoning);
   * a role-only delta, a usage-only chunk or a lifecycle event returns false. A pure parse: the
   * stream reader skips it for the events `fastPath` settles.
   */
  readEvent(data: string, event: string | undefined, facts: ResponseFacts, options: ParseOptions): boolean;
  /** Optional: facts a provider sends in response headers (Bedrock's token counts), read at the response head. */
  readResponseHeaders?(header: HeaderLookup, facts: ResponseFacts): void;
  /**
   * What settles most events of a stream without parsing them, declared as data; the stream reader
   * (stream-reader.ts) compiles it once and applies it to raw SSE events and decoded data alike. It
   * must give readEvent's answer for every event it settles (a property test holds them together).
   */
  fastPath?: StreamFastPath;
  /**
   * Optional: the request body rewritten to ask for usage in a stream (OpenAI's
   * stream_options.include_usage), or undefined to leave it as it is.
   */
  requestUsageInStream?(body: Record<string, unknown>): Record<string, unknown> | undefined;
}

/**
 * `json-array`: one JSON array whose elements arrive piece by piece (Gemini's streamGenerateContent
 * without `alt=sse`); `aws-eventstream`: AWS's binary event stream (`application/vnd.amazon.eventstream`,
 * Bedrock's streams).
 */
export type StreamFormat = 'sse' | 'ndjson' | 'json-array' | 'aws-eventstream';

/** The fast path of a stream whose events are untyped chunks (OpenAI chat and completions, Ollama). */
export interface KeyedFastPath {
  kind: 'keys';
  /** Chunks are parsed until one of these facts is known (the stream's head names it). */
  parseUntil: ReadonlyArray<keyof ResponseFacts>;
  /** A chunk holding any of these may change the facts: it is parsed. */
  facts: readonly KeyPattern[];
  /** Any other chunk carries generated content when it holds one of these. */
  content: readonly KeyPattern[];
  /** Keys whose string values change on every chunk and mean nothing (OpenAI's `obfuscation`): see repeated-events.ts. */
  volatile?: readonly string[];
  /**
   * Optional: the key under which every chunk repeats the facts so far, cumulative (Gemini's
   * usageMetadata: the usage so far, in each chunk beside the response id and model version), and
   * readEvent makes a later chunk's facts replace an earlier one's. A chunk that holds none of
   * `facts` is then settled by its content scan and, when it holds this key, kept; only the latest
   * kept chunk is parsed, when the stream ends or before the next parsed chunk (unless that chunk
   * repeats the facts itself), so the facts are those of a parse of every chunk.
   */
  cumulative?: KeyPattern;
}

/** The fast path of a stream whose events are typed by their SSE name or first `type` key (Anthropic, Responses). */
export interface TypedFastPath {
  kind: 'typed';
  /**
   * The JSON key that names an event's type when the stream has no SSE event names (Cohere v1's
   * NDJSON `event_type`); `type` when absent.
   */
  typeKey?: string;
  /** Only a type with this prefix is taken as the event's own (a nested object's `type` may come first); others are parsed. */
  typePrefix: string;
  /** Types that carry generated content when they hold one of `content`. */
  contentTypes: RegExp;
  content: readonly KeyPattern[];
  /** Types that may change the facts (usage, finish reasons, ids, errors): always parsed. Every other type is quiet. */
  factTypes: readonly string[];
  /** As KeyedFastPath.volatile. */
  volatile?: readonly string[];
  /**
   * Optional, for streams whose error events have open-ended names (Bedrock's exceptions): when
   * given, only these types are quiet and every type that is neither content nor quiet is parsed.
   */
  quietTypes?: readonly string[];
}

export type StreamFastPath = KeyedFastPath | TypedFastPath;

/**
 * What proves that one exchange on a candidate route (a common path on a host that names no model
 * server) is this API's: its request body, then its response's first stream event or whole body.
 */
export interface ExchangeProof {
  /** The parsed JSON request body has this API's shape. */
  request(body: unknown): boolean;
  /** The first decoded stream event (one NDJSON line) or the whole JSON body has this API's shape. */
  response(json: unknown): boolean;
}

/** One row of the provider table: which requests a parser handles. */
export interface ProviderRoute {
  /** gen_ai.provider.name: a fixed name, or one derived from the host (OpenAI-compatible servers). */
  providerName: string | ((request: OutgoingRequest) => string);
  operation: GenAiOperation;
  /**
   * Matched against OutgoingRequest.path. A named group `model` marks a model named by the URL
   * (Azure's deployment), reported as RecognisedCall.pathModel.
   */
  path: RegExp;
  /** Optional host restriction; absent means any host. */
  host?: RegExp;
  /** Optional port restriction; absent means any port. */
  port?: number;
  method?: string;
  /**
   * True when the path alone asks for a stream (Gemini's `:streamGenerateContent`, Bedrock's
   * `converse-stream`); otherwise the request body's `stream` flag says.
   */
  streams?: boolean;
  streamFormat: StreamFormat;
  parser: ProviderParser;
  /**
   * Set on candidate rows only (table.ts's CANDIDATE_ROUTES): a request they match becomes a model
   * call once its own exchange proves it (transport/candidate-call.ts), never before.
   */
  proof?: ExchangeProof;
}

/** A matched route with its provider name resolved for this request. */
export interface RecognisedCall {
  route: ProviderRoute;
  providerName: string;
  /** The model the URL names (Azure deployment), for when the request body names none. */
  pathModel?: string;
}
