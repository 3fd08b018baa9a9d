// Reads one streamed response: the decoder frames the events, the provider's declared fast path
// settles the events that change no facts from their text alone (a whole SSE event from its raw
// bytes, never decoded: see decoders/sse.ts), and the parser's readEvent parses the rest. `onContent`
// hears of every event that carried generated content (the recorder stamps its arrival).
import { createAwsEventStreamDecoder } from './decoders/aws-eventstream.js';
import { createNdjsonDecoder } from './decoders/ndjson.js';
import { createSseDecoder, type RawEventSettler } from './decoders/sse.js';
import type { StreamDecoder, StreamEventHandler } from './decoders/stream-decoder.js';
import { chunkScanner, firstTypeName, scanFor } from './json-scan.js';
import type { ParseOptions, ProviderParser, ResponseFacts, StreamFastPath, StreamFormat } from './types.js';

/** An event's verdict from its text: true or false (content or not, nothing else to read), or undefined (parse it). */
type Settle = (text: string, event: string | undefined, facts: ResponseFacts) => boolean | undefined;

/** Each declared fast path is compiled once (its regular expressions), not once per call. */
const compiled = new WeakMap<StreamFastPath, Settle>();

export interface StreamReaderOptions {
  /** false: every event is parsed (the property test's reference). */
  fastPath?: boolean;
}

export function createStreamReader(
  format: StreamFormat,
  parser: ProviderParser,
  facts: ResponseFacts,
  options: ParseOptions,
  onContent: () => void,
  readerOptions: StreamReaderOptions = {},
): StreamDecoder {
  // Captured content needs the text of every event, so capture always parses.
  const settle = parser.fastPath && readerOptions.fastPath !== false && !options.captureContent ? compile(parser.fastPath) : undefined;
  const onEvent = (data: string, event: string | undefined) => {
    const verdict = settle?.(data, event, facts);
    if (verdict === undefined ? parser.readEvent(data, event, facts, options) : verdict) onContent();
  };
  return DECODERS[format](onEvent, settle && rawSettler(settle, facts, onContent));
}

/** One decoder per stream format; a raw settler is offered to those that can settle an undecoded event. */
const DECODERS: { readonly [F in StreamFormat]: (onEvent: StreamEventHandler, settleRaw: RawEventSettler | undefined) => StreamDecoder } = {
  sse: createSseDecoder,
  ndjson: (onEvent) => createNdjsonDecoder(onEvent),
  'aws-eventstream': (onEvent) => createAwsEventStreamDecoder(onEvent),
};

function rawSettler(settle: Settle, facts: ResponseFacts, onContent: () => void): RawEventSettler {
  return (raw, event) => {
    const verdict = settle(raw, event, facts);
    if (verdict === undefined) return false;
    if (verdict) onContent();
    return true;
  };
}

function compile(fastPath: StreamFastPath): Settle {
  let settle = compiled.get(fastPath);
  if (settle === undefined) {
    settle = fastPath.kind === 'keys' ? compileKeyed(fastPath) : compileTyped(fastPath);
    compiled.set(fastPath, settle);
  }
  return settle;
}

// A raw SSE event's field names (`data:`, `event:`) and `[DONE]` hold no key pattern and no JSON
// `type` key, so a scan of the raw text answers as a scan of its data does.

function compileKeyed(fastPath: Extract<StreamFastPath, { kind: 'keys' }>): Settle {
  const scan = chunkScanner(fastPath.facts, fastPath.content);
  const { parseUntil } = fastPath;
  return (text, _event, facts) => {
    if (!parseUntil.some((fact) => facts[fact] !== undefined)) return undefined;
    const found = scan(text);
    return found === 'facts' ? undefined : found === 'content';
  };
}

function compileTyped(fastPath: Extract<StreamFastPath, { kind: 'typed' }>): Settle {
  const hasContent = scanFor(...fastPath.content);
  const factTypes = new Set(fastPath.factTypes);
  const quietTypes = fastPath.quietTypes && new Set(fastPath.quietTypes);
  const { typePrefix, contentTypes } = fastPath;
  return (text, event) => {
    const type = event ?? firstTypeName(text);
    if (type === undefined || !type.startsWith(typePrefix)) return undefined;
    if (contentTypes.test(type)) return hasContent(text);
    if (quietTypes) return quietTypes.has(type) ? false : undefined;
    return factTypes.has(type) ? undefined : false;
  };
}
