// How frames of a streamed response are encoded: SSE (OpenAI, Anthropic, Gemini with alt=sse),
// NDJSON (Ollama), one JSON array written element by element (Gemini without alt=sse) or the
// binary AWS event stream (Bedrock, eventstream.ts).

/** One frame as written: text, or bytes for a binary encoding. */
export type Frame = string | Uint8Array;

export interface FrameEncoding {
  contentType: string;
  /** What ends one text frame; a binary encoding frames by length and has none (''). */
  terminator: string;
  encode(data: unknown, event?: string): Frame;
  /** The frame made unreadable, for `malformed`; text frames get their JSON cut in half (breakFrame). */
  breakFrame?(frame: Uint8Array): Uint8Array;
}

export const SSE = {
  contentType: 'text/event-stream; charset=utf-8',
  terminator: '\n\n',
  encode: (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`,
} satisfies FrameEncoding;

export const NDJSON = {
  contentType: 'application/x-ndjson',
  terminator: '\n',
  encode: (data: unknown) => `${JSON.stringify(data)}\n`,
} satisfies FrameEncoding;

/** SSE as Google writes it: CRLF line ends. */
export const GOOGLE_SSE: FrameEncoding = {
  contentType: 'text/event-stream',
  terminator: '\r\n\r\n',
  encode: (data) => `data: ${JSON.stringify(data)}\r\n\r\n`,
};

/**
 * A JSON array sent element by element, as Google does without alt=sse: `[{…}` first, then
 * `\n,\r\n{…}` for each further element, then `\n]`; the elements pretty-printed. A frame is one
 * element without its separator (the format writes those: it knows which element comes first).
 */
export const JSON_ARRAY: FrameEncoding = {
  contentType: 'application/json; charset=UTF-8',
  terminator: '\n',
  encode: (data) => JSON.stringify(data, null, 2),
};

export const JSON_CONTENT_TYPE = 'application/json';

/** Cohere v1's streams: NDJSON lines under their own content type. */
export const STREAM_JSON: FrameEncoding = { ...NDJSON, contentType: 'application/stream+json' };

/** The frame with its JSON cut in half but still terminated: what `malformed` sends. */
export function breakFrame(frame: Frame, encoding: FrameEncoding): Frame {
  if (typeof frame !== 'string') return encoding.breakFrame?.(frame) ?? frame.subarray(0, Math.floor(frame.length / 2));
  const body = frame.endsWith(encoding.terminator) ? frame.slice(0, -encoding.terminator.length) : frame;
  const jsonStart = Math.max(0, body.indexOf('{'));
  const cutAt = jsonStart + Math.max(1, Math.floor((body.length - jsonStart) / 2));
  return body.slice(0, cutAt) + encoding.terminator;
}
