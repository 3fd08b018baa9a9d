// Reads one streamed response: the decoder frames the events, the provider parser reads each into
// the facts, and `onContent` hears of every event that carried generated content (the recorder
// stamps its arrival). Where the parser settles a whole SSE event from its raw text, the event is
// never decoded (see decoders/sse.ts).
import { createNdjsonDecoder } from './decoders/ndjson.js';
import { createSseDecoder, type RawEventSettler } from './decoders/sse.js';
import type { StreamDecoder } from './decoders/stream-decoder.js';
import type { ParseOptions, ProviderParser, ResponseFacts, StreamFormat } from './types.js';

export function createStreamReader(
  format: StreamFormat,
  parser: ProviderParser,
  facts: ResponseFacts,
  options: ParseOptions,
  onContent: () => void,
): StreamDecoder {
  const onEvent = (data: string, event: string | undefined) => {
    if (parser.readEvent(data, event, facts, options)) onContent();
  };
  if (format === 'ndjson') return createNdjsonDecoder(onEvent);
  return createSseDecoder(onEvent, rawSettler(parser, facts, options, onContent));
}

function rawSettler(parser: ProviderParser, facts: ResponseFacts, options: ParseOptions, onContent: () => void): RawEventSettler | undefined {
  const scanRawEvent = parser.scanRawEvent;
  if (scanRawEvent === undefined) return undefined;
  return (raw, event) => {
    const verdict = scanRawEvent(raw, event, facts, options);
    if (verdict === undefined) return false;
    if (verdict) onContent();
    return true;
  };
}
