// The AWS event stream (`application/vnd.amazon.eventstream`) that Bedrock streams in, encoded by
// @smithy/eventstream-codec, the AWS SDK's own codec: what the simulator writes is what the SDK (and
// the agent) decode from Bedrock. Each message carries `:message-type` (event or exception), its
// `:event-type` or `:exception-type`, `:content-type: application/json` and a JSON payload.
import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';
import type { FrameEncoding } from './encoding.js';

const codec = new EventStreamCodec(
  (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  (text: string) => Buffer.from(text, 'utf8'),
);

const JSON_TYPE = 'application/json';
const LENGTH_BYTES = 4;

function stringHeaders(headers: Record<string, string>): MessageHeaders {
  const out: MessageHeaders = {};
  for (const name in headers) out[name] = { type: 'string', value: headers[name]! };
  return out;
}

function frame(headers: Record<string, string>, payload: string): Uint8Array {
  return codec.encode({ headers: stringHeaders(headers), body: Buffer.from(payload, 'utf8') });
}

/** An event message: `:event-type` names it (messageStart, contentBlockDelta, chunk, ...). */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return frame({ ':event-type': eventType, ':content-type': JSON_TYPE, ':message-type': 'event' }, JSON.stringify(payload));
}

/** An exception message (throttlingException, modelStreamErrorException, ...), payload `{message, ...}`. */
export function exceptionFrame(exceptionType: string, payload: unknown): Uint8Array {
  return frame({ ':exception-type': exceptionType, ':content-type': JSON_TYPE, ':message-type': 'exception' }, JSON.stringify(payload));
}

/** The same message with its JSON payload cut in half: the framing and checksums still hold. */
function breakEventFrame(bytes: Uint8Array): Uint8Array {
  const { headers, body } = codec.decode(bytes);
  return codec.encode({ headers, body: body.subarray(0, Math.floor(body.length / 2)) });
}

/** A body cut after each message by the messages' length prefixes; joined, the parts are the body. */
export function splitMessages(bytes: Uint8Array): Uint8Array[] {
  const messages: Uint8Array[] = [];
  let at = 0;
  while (at + LENGTH_BYTES <= bytes.length) {
    const length = Buffer.from(bytes.buffer, bytes.byteOffset + at, LENGTH_BYTES).readUInt32BE(0);
    if (length < LENGTH_BYTES) break;
    messages.push(bytes.subarray(at, Math.min(bytes.length, at + length)));
    at += length;
  }
  if (at < bytes.length) messages.push(bytes.subarray(at));
  return messages;
}

export const EVENTSTREAM: FrameEncoding = {
  contentType: 'application/vnd.amazon.eventstream',
  terminator: '',
  encode: (data, event) => eventFrame(event ?? 'chunk', data),
  breakFrame: breakEventFrame,
};
