// Tests only: a bare decoder for a stream format, for the decoder tests and the parser tests that
// read readEvent's answer event by event. The agent itself reads streams through createStreamReader
// (the declared fast path, then readEvent), which the property test holds to the same answers.
import { createJsonArrayDecoder } from '../../agent/providers/decoders/json-array.js';
import { createAwsEventStreamDecoder } from '../../agent/providers/decoders/aws-eventstream.js';
import { createNdjsonDecoder } from '../../agent/providers/decoders/ndjson.js';
import { createSseDecoder } from '../../agent/providers/decoders/sse.js';
import type { StreamDecoder, StreamEventHandler } from '../../agent/providers/decoders/stream-decoder.js';
import type { StreamFormat } from '../../agent/providers/types.js';

const DECODERS: Record<StreamFormat, (onEvent: StreamEventHandler) => StreamDecoder> = {
  sse: (onEvent) => createSseDecoder(onEvent),
  ndjson: createNdjsonDecoder,
  'json-array': createJsonArrayDecoder,
  'aws-eventstream': createAwsEventStreamDecoder,
};

export function createStreamDecoder(format: StreamFormat, onEvent: StreamEventHandler): StreamDecoder {
  return DECODERS[format](onEvent);
}
