// Server-sent events, decoded by eventsource-parser (spec-complete: CR/LF variants, multi-line
// data, comments, BOM). Bytes go through one streaming TextDecoder so a UTF-8 character split
// across chunks decodes whole.
//
// Hot path: providers write one event per chunk, so most chunks arrive as one whole event at an
// event boundary. Such a chunk can be offered raw to `settleRaw` (the provider's byte-level
// verdict) and skip decoding altogether; the profile of a 200-chunk stream put the decoder and the
// parse behind it at most of the agent's cost per chunk.
import { createParser } from 'eventsource-parser';
import { guardHandler, MAX_PENDING_CHARS, STREAMING, type StreamDecoder, type StreamEventHandler } from './stream-decoder.js';

/** Ends an unfinished last line and event, for bodies that stop without the blank line. */
const FLUSH = '\n\n';
const LF = 10;
const SPACE = 32;
const CR_TEXT = '\r';
const LF_TEXT = '\n';
const EVENT_FIELD = 'event:';

/**
 * Settles one whole event from its raw text (its field lines and the blank line, the bytes read as
 * latin1, so only ASCII is meaningful) and its `event:` name, or returns false to have it decoded and dispatched.
 */
export type RawEventSettler = (raw: string, event: string | undefined) => boolean;

/**
 * Settles a chunk that is one whole event from its bytes alone, before any copy (an event that
 * repeats a settled one: see ../repeated-events.ts), or returns false.
 */
export type RawBytesSettler = (chunk: Uint8Array) => boolean;

export function createSseDecoder(onEvent: StreamEventHandler, settleRaw?: RawEventSettler, settleBytes?: RawBytesSettler): StreamDecoder {
  const handle = guardHandler(onEvent);
  const text = new TextDecoder();
  const parser = createParser({
    onEvent: (message) => handle(message.data, message.event),
    maxBufferSize: MAX_PENDING_CHARS,
  });
  // Set once the body ended or the parser gave up (it throws on every feed after an overflow).
  let stopped = false;
  // The last chunk ended with a blank line: neither the TextDecoder (its last byte was ASCII) nor
  // the parser (it dispatched and emptied its buffer) holds anything, so the next chunk stands alone.
  let atBoundary = true;

  return {
    push(chunk) {
      if (stopped) return;
      const endsEvent = endsWithBlankLine(chunk);
      if (settleRaw !== undefined && atBoundary && endsEvent) {
        try {
          if (settleBytes?.(chunk) || settleOneEvent(chunk, settleRaw)) return;
        } catch {
          // A settler that fails settles nothing: the chunk takes the full path.
        }
      }
      atBoundary = endsEvent;
      try {
        parser.feed(text.decode(chunk, STREAMING));
      } catch {
        stopped = true;
      }
    },
    end() {
      if (stopped) return;
      stopped = true;
      try {
        parser.feed(text.decode() + FLUSH);
      } catch {
        // Nothing left to save: the body is over.
      }
    },
  };
}

function endsWithBlankLine(chunk: Uint8Array): boolean {
  const length = chunk.length;
  return length >= 2 && chunk[length - 1] === LF && chunk[length - 2] === LF;
}

/**
 * The chunk, known to end with a blank line at an event boundary, when it holds exactly one event
 * in the plain shape (`data: …`, or `event: …` then `data: …`, LF line ends): offered to the settler.
 * Anything else (several events, CR line ends, more fields) takes the full path.
 */
function settleOneEvent(chunk: Uint8Array, settleRaw: RawEventSettler): boolean {
  const raw = latin1(chunk);
  const lastLine = raw.length - 2;
  const firstBreak = raw.indexOf(LF_TEXT);
  const event = rawEventName(raw);
  if (firstBreak !== lastLine && (event === undefined || raw.indexOf(LF_TEXT, firstBreak + 1) !== lastLine)) return false;
  if (raw.includes(CR_TEXT)) return false;
  return settleRaw(raw, event);
}

/** The `event:` name of a raw event, or undefined when it has none. */
export function rawEventName(raw: string): string | undefined {
  if (!raw.startsWith(EVENT_FIELD)) return undefined;
  const start = raw.charCodeAt(EVENT_FIELD.length) === SPACE ? EVENT_FIELD.length + 1 : EVENT_FIELD.length;
  return raw.slice(start, raw.indexOf(LF_TEXT));
}

/** Bytes as a one-byte string: a copy, with no UTF-8 validation or decoder state. */
function latin1(chunk: Uint8Array): string {
  const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return bytes.toString('latin1');
}
