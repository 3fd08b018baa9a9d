// The providers' public surface for the transport taps and the recorder.
export { recognise, PROVIDER_ROUTES } from './table.js';
export { createStreamDecoder } from './decoders/index.js';
export type { StreamDecoder, StreamEventHandler } from './decoders/index.js';
export { emptyResponseFacts } from './types.js';
export type {
  OutgoingRequest,
  ParseOptions,
  ProviderParser,
  ProviderRoute,
  RecognisedCall,
  RequestFacts,
  ResponseFacts,
  StreamFormat,
} from './types.js';
