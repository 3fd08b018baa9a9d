// How frames of a streamed response are encoded: SSE (OpenAI, Anthropic) or NDJSON (Ollama).

export interface FrameEncoding {
  contentType: string;
  /** What ends one frame. */
  terminator: string;
  encode(data: unknown, event?: string): string;
}

export const SSE: FrameEncoding = {
  contentType: 'text/event-stream; charset=utf-8',
  terminator: '\n\n',
  encode: (data, event) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`,
};

export const NDJSON: FrameEncoding = {
  contentType: 'application/x-ndjson',
  terminator: '\n',
  encode: (data) => `${JSON.stringify(data)}\n`,
};

export const JSON_CONTENT_TYPE = 'application/json';

/** Cohere v1's streams: NDJSON lines under their own content type. */
export const STREAM_JSON: FrameEncoding = { ...NDJSON, contentType: 'application/stream+json' };

/** The frame with its JSON cut in half but still terminated: what `malformed` sends. */
export function breakFrame(frame: string, encoding: FrameEncoding): string {
  const body = frame.endsWith(encoding.terminator) ? frame.slice(0, -encoding.terminator.length) : frame;
  const jsonStart = Math.max(0, body.indexOf('{'));
  const cutAt = jsonStart + Math.max(1, Math.floor((body.length - jsonStart) / 2));
  return body.slice(0, cutAt) + encoding.terminator;
}
