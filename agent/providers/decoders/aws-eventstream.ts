// The AWS event stream (`application/vnd.amazon.eventstream`): Bedrock's streams. Binary messages,
// each [total length u32][headers length u32][prelude CRC32][headers][payload][message CRC32],
// framed by their length prefix. This file frames the chunks as they arrive: a message that lies
// whole inside a chunk is read in place, without a copy; only a message split across chunks is
// gathered, into one buffer of its announced length. A message cut off by the end of the body is
// dropped, as the SDK drops it.
//
// @smithy/eventstream-codec, the AWS SDK's own codec, decodes a message: it checks both checksums
// and reads the headers. Hot path: a stream repeats a few header blocks byte for byte (every
// contentBlockDelta's are the same), and the codec's decode cost 3.3 µs a message, mostly its
// header parse. So the codec decodes each message whose header block this stream has not shown
// before, and what those headers say is kept by the block's bytes; a message whose block repeats is
// framed by its length and read in place (its checksums are then left to the application's SDK,
// which checks every message and fails the stream on a mismatch).
//
// What the handler receives, by the message's `:message-type` header:
//   event      (payload text, `:event-type`)                    contentBlockDelta, metadata, chunk, ...
//   exception  (payload text, `exception:` + `:exception-type`) exception:throttlingException
//   error      (`:error-message`, `error:` + `:error-code`)
import type { EventStreamCodec, Message } from '@smithy/eventstream-codec';
import { loadEsm } from '../../load-esm.js';
import { guardHandler, MAX_PENDING_CHARS, type StreamDecoder, type StreamEventHandler } from './stream-decoder.js';

/** Prefixes of the event names the handler gets for exception and error messages. */
export const EXCEPTION_EVENT_PREFIX = 'exception:';
export const ERROR_EVENT_PREFIX = 'error:';

/** The length prefix, the headers length and the two checksums: the smallest message has no headers and no payload. */
const MIN_MESSAGE_BYTES = 16;
const LENGTH_BYTES = 4;
/** Total length, headers length, prelude checksum. */
const PRELUDE_BYTES = 12;
const CHECKSUM_BYTES = 4;
/** Distinct header blocks kept per stream (Bedrock's streams have a handful); past this, the codec decodes every message. */
const MAX_KNOWN_HEADERS = 16;

/** What a message's headers say: the name the handler gets (null: nothing to hand on), and an error message's text. */
interface HeaderVerdict {
  name: string | null;
  errorMessage?: string;
}

/** A header block seen in this stream, and what the codec read from it. */
interface KnownHeaders {
  bytes: Buffer;
  verdict: HeaderVerdict;
}

/** One codec for the process, loaded on the first event stream (no service pays for it at start-up). */
let sharedCodec: EventStreamCodec | undefined;

function codec(): EventStreamCodec {
  if (sharedCodec === undefined) {
    const { EventStreamCodec: Codec } = loadEsm<typeof import('@smithy/eventstream-codec')>('@smithy/eventstream-codec');
    sharedCodec = new Codec(
      (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
      (text: string) => Buffer.from(text, 'utf8'),
    );
  }
  return sharedCodec;
}

function stringHeader(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

const NOTHING: HeaderVerdict = { name: null };

function verdictOf(message: Message): HeaderVerdict {
  switch (stringHeader(message, ':message-type')) {
    case 'event': {
      const type = stringHeader(message, ':event-type');
      return type === undefined ? NOTHING : { name: type };
    }
    case 'exception':
      return { name: EXCEPTION_EVENT_PREFIX + (stringHeader(message, ':exception-type') ?? '') };
    case 'error':
      return { name: ERROR_EVENT_PREFIX + (stringHeader(message, ':error-code') ?? ''), errorMessage: stringHeader(message, ':error-message') ?? '' };
    default:
      // Not a message kind AWS defines: nothing to read.
      return NOTHING;
  }
}

function uint32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function sameBytes(known: Buffer, bytes: Buffer, at: number, length: number): boolean {
  if (known.length !== length) return false;
  for (let i = 0; i < length; i++) if (known[i] !== bytes[at + i]) return false;
  return true;
}

/** A view of the chunk as a Buffer (the transports hand Buffers already: then no allocation). */
function asBuffer(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export function createAwsEventStreamDecoder(onEvent: StreamEventHandler): StreamDecoder {
  const handle = guardHandler(onEvent);
  /** A message split across chunks, gathered up to its announced length. */
  let partial: Buffer | undefined;
  let filled = 0;
  /** A length prefix split across chunks. */
  const lengthBytes = new Uint8Array(LENGTH_BYTES);
  let lengthFilled = 0;
  let stopped = false;
  /** The header blocks seen in this stream; the last one matched is tried first. */
  const known: KnownHeaders[] = [];
  let lastKnown = 0;

  function verdictFor(bytes: Buffer, at: number, length: number, headersLength: number): HeaderVerdict {
    const headersAt = at + PRELUDE_BYTES;
    const last = known[lastKnown];
    if (last !== undefined && sameBytes(last.bytes, bytes, headersAt, headersLength)) return last.verdict;
    for (let i = 0; i < known.length; i++) {
      if (i !== lastKnown && sameBytes(known[i]!.bytes, bytes, headersAt, headersLength)) {
        lastKnown = i;
        return known[i]!.verdict;
      }
    }
    // New headers: the codec decodes the whole message (and throws on a checksum that does not match).
    const verdict = verdictOf(codec().decode(bytes.subarray(at, at + length)));
    if (verdict.errorMessage === undefined && known.length < MAX_KNOWN_HEADERS) {
      lastKnown = known.push({ bytes: Buffer.from(bytes.subarray(headersAt, headersAt + headersLength)), verdict }) - 1;
    }
    return verdict;
  }

  /** One whole message at `at` of `bytes`: its headers' verdict, its payload handed on. */
  function read(bytes: Buffer, at: number, length: number): void {
    const headersLength = uint32At(bytes, at + LENGTH_BYTES);
    if (PRELUDE_BYTES + headersLength + CHECKSUM_BYTES > length) throw new Error('not an AWS event-stream message');
    const verdict = verdictFor(bytes, at, length, headersLength);
    if (verdict.name === null) return;
    handle(verdict.errorMessage ?? bytes.toString('utf8', at + PRELUDE_BYTES + headersLength, at + length - CHECKSUM_BYTES), verdict.name);
  }

  /** A length no message can have means this is not (or no longer) an event stream. */
  const plausible = (length: number) => length >= MIN_MESSAGE_BYTES && length <= MAX_PENDING_CHARS;

  function consume(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length && !stopped) {
      if (partial === undefined) {
        if (lengthFilled === 0 && chunk.length - at >= LENGTH_BYTES) {
          const length = uint32At(chunk, at);
          if (!plausible(length)) {
            stopped = true;
            return;
          }
          if (chunk.length - at >= length) {
            read(chunk, at, length);
            at += length;
            continue;
          }
          partial = Buffer.allocUnsafe(length);
          filled = 0;
        } else {
          while (lengthFilled < LENGTH_BYTES && at < chunk.length) lengthBytes[lengthFilled++] = chunk[at++]!;
          if (lengthFilled < LENGTH_BYTES) return;
          lengthFilled = 0;
          const length = uint32At(lengthBytes, 0);
          if (!plausible(length)) {
            stopped = true;
            return;
          }
          partial = Buffer.allocUnsafe(length);
          partial.set(lengthBytes);
          filled = LENGTH_BYTES;
          continue;
        }
      }
      const take = Math.min(partial.length - filled, chunk.length - at);
      chunk.copy(partial, filled, at, at + take);
      filled += take;
      at += take;
      if (filled === partial.length) {
        const whole = partial;
        partial = undefined;
        read(whole, 0, whole.length);
      }
    }
  }

  return {
    push(chunk) {
      if (stopped) return;
      try {
        consume(asBuffer(chunk));
      } catch {
        // A checksum that does not match, or headers that do not parse: stop rather than misread the rest.
        stopped = true;
        partial = undefined;
      }
    },
    end() {
      stopped = true;
      partial = undefined; // a message cut off by the end of the body is not read
    },
  };
}
