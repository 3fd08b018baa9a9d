// Replays a real recording ({source, license, request, response}, see the fixtures' README):
// the recorded body bytes exactly, split into its SSE events or NDJSON lines for pacing.
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { type FrameEncoding, GOOGLE_SSE, JSON_ARRAY, NDJSON, SSE } from './encoding.js';
import type { JsonObject } from './generation.js';

export interface Recording {
  source: string;
  license: string;
  /** body: null where the source kept only the response (a stream's chunks). */
  request: { method: string; url: string; body: JsonObject | null };
  response: { status: number; content_type: string; body: string };
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
 * is sent a line at a time.
 */
export function recordedEncoding(contentType: string, body = ''): FrameEncoding | undefined {
  if (contentType.startsWith('text/event-stream')) return body.includes('\r\n\r\n') ? GOOGLE_SSE : SSE;
  if (contentType.includes('ndjson') || contentType.startsWith('application/stream+json')) return NDJSON;
  if (contentType.startsWith('application/json') && body.trimStart().startsWith('[')) return JSON_ARRAY;
  return undefined;
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
