// The one interface every wire format implements: the shared responder drives all of them.
import type { OutgoingHttpHeaders } from 'node:http';
import { SSE, type Frame, type FrameEncoding } from './encoding.js';
import type { Generation, JsonObject } from './generation.js';
import type { SimProvider } from './types.js';

/** A streamed response as encoded frames; the responder decides when each is written. */
export interface StreamPlan {
  /** Written at request arrival, before any delay (OpenAI's role-only delta, Anthropic's message_start...). */
  head: Frame[];
  /** One frame per content chunk (one token each). */
  content: Frame[];
  /** Written after the last content chunk; built only then, so it can carry timings. */
  tail(): Frame[];
}

export interface Streaming {
  /** `encoding` is the one this call streams in (a format may have several: see `encodingFor`). */
  plan(generation: Generation, encoding: FrameEncoding): StreamPlan;
  /** The provider's in-stream error event, given how many frames were written before it. */
  midstreamError(requestId: string, framesWritten: number, encoding: FrameEncoding): Frame;
}

export interface WireFormat {
  provider: SimProvider;
  /** Encoding of streamed responses. */
  encoding: FrameEncoding;
  /** Optional: the encoding a request's query asks for instead (Gemini streams SSE only with `alt=sse`). */
  encodingFor?(query: URLSearchParams): FrameEncoding;
  /** Whether this request asks for a stream. */
  wantsStream(body: JsonObject): boolean;
  /** The request's own output-token limit, if any. */
  maxOutputTokens(body: JsonObject): number | undefined;
  /** Whether the stream should carry usage for this request (before `x-sim-usage: omit`). */
  usageRequested(body: JsonObject): boolean;
  /** Absent for endpoints that never stream (embeddings). */
  streaming?: Streaming;
  /** The JSON body of a non-streamed response. */
  wholeBody(generation: Generation): unknown;
  /** Optional: headers a non-streamed response carries besides its body (Bedrock's token counts). */
  wholeBodyHeaders?(generation: Generation): OutgoingHttpHeaders;
}

/** The `stream` flag as most formats read it (absent means false). */
export function streamFlag(body: JsonObject): boolean {
  return body.stream === true;
}

/** An endpoint that never streams (embeddings, rerank): only its whole body is its own. */
export function wholeBodyFormat(provider: SimProvider, wholeBody: (generation: Generation) => unknown): WireFormat {
  return { provider, encoding: SSE, wantsStream: () => false, maxOutputTokens: () => undefined, usageRequested: () => true, wholeBody };
}
