// Replays a real recording ({source, license, request, response}, see the fixtures' README):
// the recorded body bytes exactly, split into its SSE events, NDJSON lines or (a binary body,
// `body_base64`) AWS event-stream messages for pacing.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type Frame, type FrameEncoding, GOOGLE_SSE, JSON_ARRAY, NDJSON, SSE } from './encoding.js';
import { EVENTSTREAM, splitMessages } from './eventstream.js';
import type { JsonObject } from './generation.js';

export interface Recording {
  source: string;
  license: string;
  /** body: null where the source kept only the response (a stream's chunks). */
  request: { method: string; url: string; body: JsonObject | null };
  /** `body` is the body's text; a binary body is `body_base64` instead. */
  response: { status: number; content_type: string; body?: string; body_base64?: string };
}

/** The recorded body as sent: its text, or the bytes of a binary body. */
export function recordedBody(recording: Recording): string | Uint8Array {
  const { body, body_base64: base64 } = recording.response;
  return base64 === undefined ? (body ?? '') : Buffer.from(base64, 'base64');
}

/** Loads `name` from `dir`; undefined when there is no such recording (names never leave `dir`). */
export async function loadRecording(dir: string | undefined, name: string): Promise<Recording | undefined> {
  if (!dir || name !== basename(name)) return undefined;
  try {
    return JSON.parse(await readFile(join(dir, name), 'utf8')) as Recording;
  } catch {
    return undefined;
  }
}

/**
 * The stream encoding of a recorded body, or undefined for a whole (JSON) body. SSE framed with
 * CRLF (Google's) is split at its CRLF blank lines; a JSON array (Gemini's stream without alt=sse)
 * is sent a line at a time; a binary body is AWS event-stream messages.
 */
export function recordedEncoding(contentType: string, body = ''): FrameEncoding | undefined {
  if (contentType.startsWith('text/event-stream')) return body.includes('\r\n\r\n') ? GOOGLE_SSE : SSE;
  if (contentType.includes('ndjson') || contentType.startsWith('application/stream+json')) return NDJSON;
  if (contentType.startsWith('application/json') && body.trimStart().startsWith('[')) return JSON_ARRAY;
  if (contentType.startsWith(EVENTSTREAM.contentType)) return EVENTSTREAM;
  return undefined;
}

/** The frames of a recorded body: messages of a binary one, else split after each terminator. */
export function recordedFrames(body: string | Uint8Array, encoding: FrameEncoding): Frame[] {
  return typeof body === 'string' ? splitFrames(body, encoding) : splitMessages(body);
}

/** Splits a body after each frame terminator; joining the parts gives the body back unchanged. */
export function splitFrames(body: string, encoding: FrameEncoding): string[] {
  const frames: string[] = [];
  let start = 0;
  for (let end = body.indexOf(encoding.terminator); end >= 0; end = body.indexOf(encoding.terminator, start)) {
    frames.push(body.slice(start, end + encoding.terminator.length));
    start = end + encoding.terminator.length;
  }
  if (start < body.length) frames.push(body.slice(start));
  return frames;
}
