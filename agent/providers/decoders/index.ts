// The stream decoders' shared types; createStreamReader (../stream-reader.ts) picks the decoder.
export type { StreamDecoder, StreamEventHandler } from './stream-decoder.js';
