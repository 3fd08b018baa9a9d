// Server-sent events. The decoder finds event boundaries in the bytes themselves, however the
// events fall into chunks (one a chunk, many a chunk, one across several), and hands each whole
// event over as a byte range: to `settleBytes` first (a byte-level verdict, nothing copied), then,
// in the plain shape (`data: …`, or `event: …` then `data: …`, LF line ends), as its raw text to
// `settleRaw`, and only then decoded to its data. Anything else (comments, `id:` or `retry:`
// fields, multi-line data, CR line ends, a BOM) goes through eventsource-parser, spec-complete,
// which sees exactly the text it would have seen had it read the whole stream.
//
// Hot path: an event that repeats a settled one costs a search for its blank line (memchr) and a
// template match (../repeated-events.ts); nothing is copied or decoded. A whole stream that arrives
// in one chunk (a loopback server without delays) used to be decoded and split into lines before
// any verdict, and a chunk of several events skipped the byte-level verdicts altogether.
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { guardHandler, MAX_PENDING_CHARS, STREAMING, type StreamDecoder, type StreamEventHandler } from './stream-decoder.js';

/** Ends an unfinished last line and event, for bodies that stop without the blank line. */
const FLUSH = '\n\n';
const LF = 10;
const CR = 13;
const SPACE = 32;
const BOM_FIRST_BYTE = 0xef;
/** The chunk has not been searched for a CR yet. */
const UNSEARCHED = -2;
const DATA_FIELD = Buffer.from('data:');
const EVENT_FIELD_BYTES = Buffer.from('event:');

/**
 * Settles one whole event from its raw text (its field lines and the blank line, the bytes read as
 * latin1, so only ASCII is meaningful) and its `event:` name, or returns false to have it decoded and dispatched.
 */
export type RawEventSettler = (raw: string, event: string | undefined) => boolean;

/**
 * Settles the event at bytes[start] from its bytes alone, before any copy or framing (an event that
 * repeats a settled one: see ../repeated-events.ts), reading no further than `limit`: returns where
 * the settled event ends (after its blank line), or -1 to have it framed and read.
 */
export type RawBytesSettler = (bytes: Uint8Array, start: number, limit: number) => number;

export function createSseDecoder(onEvent: StreamEventHandler, settleRaw?: RawEventSettler, settleBytes?: RawBytesSettler): StreamDecoder {
  const handle = guardHandler(onEvent);
  /** The spec-complete reader, made when the first event outside the plain shape arrives. */
  let full: EventSourceParser | undefined;
  /** The rest of the stream goes through `full` as text (CR line ends or a BOM were seen). */
  let text: TextDecoder | undefined;
  /** The pieces of an event whose blank line has not arrived yet (copies: the app owns its chunks). */
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let first = true;
  // Set once the body ended or a bound was passed (the parser throws on every feed after an overflow).
  let stopped = false;

  const feedFull = (part: string): void => {
    full ??= createParser({ onEvent: (message) => handle(message.data, message.event), maxBufferSize: MAX_PENDING_CHARS });
    full.feed(part);
  };

  /** Where the event at `start` ends if settleBytes settled it, else -1. */
  const settledEnd = (bytes: Buffer, start: number, limit: number): number => {
    if (settleBytes === undefined) return -1;
    try {
      return settleBytes(bytes, start, limit);
    } catch {
      return -1; // a settler that fails settles nothing: the event takes the full path
    }
  };

  /** The whole event at bytes [start, end), which ends with its blank line and which settleBytes declined. */
  const readEvent = (bytes: Buffer, start: number, end: number): void => {
    const lastLine = end - 2;
    const firstBreak = bytes.indexOf(LF, start);
    let dataLine = start;
    let event: string | undefined;
    if (firstBreak !== lastLine) {
      // Two lines, `event:` then `data:`, is the only other plain shape.
      if (!startsWith(bytes, start, EVENT_FIELD_BYTES) || bytes.indexOf(LF, firstBreak + 1) !== lastLine) return feedFull(bytes.toString('utf8', start, end));
      event = bytes.toString('latin1', valueStart(bytes, start + EVENT_FIELD_BYTES.length), firstBreak) || undefined;
      dataLine = firstBreak + 1;
    }
    if (!startsWith(bytes, dataLine, DATA_FIELD)) return feedFull(bytes.toString('utf8', start, end));
    if (settleRaw !== undefined) {
      try {
        if (settleRaw(bytes.toString('latin1', start, end), event)) return;
      } catch {
        // As above: decoded and dispatched.
      }
    }
    handle(bytes.toString('utf8', valueStart(bytes, dataLine + DATA_FIELD.length), lastLine), event);
  };

  /**
   * From an event boundary on, the spec-complete parser reads the rest of the stream as text: what
   * is pending (never a CR: see keep), then `bytes` from `from`, then every later chunk.
   */
  const readRestAsText = (bytes: Buffer, from: number): void => {
    text ??= new TextDecoder();
    if (pending.length > 0) feedFull(text.decode(takePending(), STREAMING));
    feedFull(text.decode(from === 0 ? bytes : bytes.subarray(from), STREAMING));
  };

  /**
   * Reads every whole event in bytes[from…], keeping the unfinished rest. A CR means CR line ends
   * (JSON holds none raw), which the framing by LF does not read: from the event that holds one,
   * the parser reads the stream. A settled event holds none, so the chunk is searched for one only
   * when an event is not settled, and once.
   */
  const frame = (bytes: Buffer, from: number): void => {
    const length = bytes.length;
    let crAt = UNSEARCHED;
    while (from < length) {
      // An event that repeats a settled one is found and settled in one pass, with no boundary search.
      let end = settledEnd(bytes, from, length);
      if (end === -1) {
        end = blankLineEnd(bytes, from);
        if (crAt === UNSEARCHED) crAt = bytes.indexOf(CR, from);
        if (crAt !== -1 && (end === -1 || crAt < end)) return readRestAsText(bytes, from);
        if (end === -1) break;
        readEvent(bytes, from, end);
      }
      from = end;
    }
    if (from < length) keep(Buffer.from(bytes.subarray(from)));
  };

  /** Keeps the start of an event until its blank line arrives; one with a CR is read as text at once. */
  const keep = (piece: Buffer): void => {
    if (piece.includes(CR)) return readRestAsText(piece, 0);
    pendingBytes += piece.length;
    if (pendingBytes > MAX_PENDING_CHARS) {
      stopped = true;
      pending = [];
      return;
    }
    pending.push(piece);
  };

  /** The new chunk ends the pending event: where in the chunk its blank line ends, or -1. */
  const pendingEventEnd = (bytes: Buffer): number => {
    const last = pending[pending.length - 1]!;
    if (last[last.length - 1] === LF && bytes[0] === LF) return 1;
    return blankLineEnd(bytes, 0);
  };

  const takePending = (): Buffer => {
    const joined = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    return joined;
  };

  /** The chunk continues a pending event: it is read once whole, then the rest of the chunk is framed. */
  const continuePending = (bytes: Buffer): void => {
    const end = pendingEventEnd(bytes);
    if (end === -1) return keep(Buffer.from(bytes));
    const cr = bytes.indexOf(CR);
    if (cr !== -1 && cr < end) return readRestAsText(bytes, 0);
    const event = Buffer.concat([takePending(), bytes.subarray(0, end)]);
    if (settledEnd(event, 0, event.length) !== event.length) readEvent(event, 0, event.length);
    frame(bytes, end);
  };

  return {
    push(chunk) {
      if (stopped) return;
      try {
        const bytes = asBuffer(chunk);
        if (bytes.length === 0) return;
        if (first) {
          first = false;
          if (bytes[0] === BOM_FIRST_BYTE) text = new TextDecoder();
        }
        if (text !== undefined) return readRestAsText(bytes, 0);
        if (pending.length === 0) return frame(bytes, 0);
        continuePending(bytes);
      } catch {
        stopped = true; // not bytes, or the parser gave up: stop rather than misread the rest
      }
    },
    end() {
      if (stopped) return;
      stopped = true;
      try {
        const rest = pending.length > 0 ? takePending() : undefined;
        const tail = text === undefined ? (rest?.toString('utf8') ?? '') : (rest ? text.decode(rest, STREAMING) : '') + text.decode();
        if (tail !== '' || full !== undefined) feedFull(tail + FLUSH);
      } catch {
        // Nothing left to save: the body is over.
      }
    },
  };
}

/**
 * Where the first blank line at or after `from` ends, or -1. Searching for one byte is memchr in
 * Node; a search for the two-byte sequence sets up a string search on every call, three times slower.
 */
function blankLineEnd(bytes: Buffer, from: number): number {
  for (let lf = bytes.indexOf(LF, from); lf !== -1; lf = bytes.indexOf(LF, lf + 1)) {
    if (bytes[lf + 1] === LF) return lf + 2;
  }
  return -1;
}

function asBuffer(chunk: Uint8Array): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (!(chunk instanceof Uint8Array)) throw new TypeError('not bytes');
  return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

function startsWith(bytes: Buffer, at: number, field: Buffer): boolean {
  for (let i = 0; i < field.length; i++) if (bytes[at + i] !== field[i]) return false;
  return true;
}

/** A field's value starts after its colon and one optional space. */
function valueStart(bytes: Buffer, afterColon: number): number {
  return bytes[afterColon] === SPACE ? afterColon + 1 : afterColon;
}
