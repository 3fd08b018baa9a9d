// One entry point for the transport taps: a decoder for a route's stream format.
import type { StreamFormat } from '../types.js';
import { createNdjsonDecoder } from './ndjson.js';
import { createSseDecoder } from './sse.js';
import type { StreamDecoder, StreamEventHandler } from './stream-decoder.js';

export type { StreamDecoder, StreamEventHandler } from './stream-decoder.js';

export function createStreamDecoder(format: StreamFormat, onEvent: StreamEventHandler): StreamDecoder {
  return format === 'ndjson' ? createNdjsonDecoder(onEvent) : createSseDecoder(onEvent);
}
