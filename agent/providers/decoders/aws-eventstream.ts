// The AWS event stream (`application/vnd.amazon.eventstream`): Bedrock's streams. Binary messages,
// each [total length u32][headers length u32][prelude CRC32][headers][payload][message CRC32],
// framed by their length prefix. @smithy/eventstream-codec (the AWS SDK's own codec) checks both
// checksums and reads the headers; this file frames the chunks as they arrive. A message that lies
// whole inside a chunk is decoded from a view of the chunk, without a copy; only a message split
// across chunks is gathered, into one buffer of its announced length. A message cut off by the end
// of the body is dropped, as the SDK drops it.
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

/** One codec for the process, loaded on the first event stream (no service pays for it at start-up). */
let sharedCodec: EventStreamCodec | undefined;

function codec(): EventStreamCodec {
  if (sharedCodec === undefined) {
    const { EventStreamCodec: Codec } = loadEsm<typeof import('@smithy/eventstream-codec')>('@smithy/eventstream-codec');
    sharedCodec = new Codec(utf8Text, (text: string) => Buffer.from(text, 'utf8'));
  }
  return sharedCodec;
}

/** UTF-8 text of a view, without copying its bytes. */
function utf8Text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

function stringHeader(message: Message, name: string): string | undefined {
  const header = message.headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

function dispatch(message: Message, handle: StreamEventHandler): void {
  switch (stringHeader(message, ':message-type')) {
    case 'event': {
      const type = stringHeader(message, ':event-type');
      if (type !== undefined) handle(utf8Text(message.body), type);
      return;
    }
    case 'exception':
      handle(utf8Text(message.body), EXCEPTION_EVENT_PREFIX + (stringHeader(message, ':exception-type') ?? ''));
      return;
    case 'error':
      handle(stringHeader(message, ':error-message') ?? '', ERROR_EVENT_PREFIX + (stringHeader(message, ':error-code') ?? ''));
      return;
    default:
      // Not a message kind AWS defines: nothing to read.
      return;
  }
}

function uint32At(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

export function createAwsEventStreamDecoder(onEvent: StreamEventHandler): StreamDecoder {
  const handle = guardHandler(onEvent);
  /** A message split across chunks, gathered up to its announced length. */
  let partial: Uint8Array | undefined;
  let filled = 0;
  /** A length prefix split across chunks. */
  const lengthBytes = new Uint8Array(LENGTH_BYTES);
  let lengthFilled = 0;
  let stopped = false;

  const read = (bytes: Uint8Array) => dispatch(codec().decode(bytes), handle);

  /** A length no message can have means this is not (or no longer) an event stream. */
  const plausible = (length: number) => length >= MIN_MESSAGE_BYTES && length <= MAX_PENDING_CHARS;

  function consume(chunk: Uint8Array): void {
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
            read(chunk.subarray(at, at + length));
            at += length;
            continue;
          }
          partial = new Uint8Array(length);
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
          partial = new Uint8Array(length);
          partial.set(lengthBytes);
          filled = LENGTH_BYTES;
          continue;
        }
      }
      const take = Math.min(partial.length - filled, chunk.length - at);
      partial.set(chunk.subarray(at, at + take), filled);
      filled += take;
      at += take;
      if (filled === partial.length) {
        const whole = partial;
        partial = undefined;
        read(whole);
      }
    }
  }

  return {
    push(chunk) {
      if (stopped) return;
      try {
        consume(chunk);
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
