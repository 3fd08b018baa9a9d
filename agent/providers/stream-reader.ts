// Reads one streamed response: the decoder frames the events, the provider's declared fast path
// settles the events that change no facts from their text alone (a whole SSE event from its raw
// bytes, never decoded: see decoders/sse.ts), and the parser's readEvent parses the rest. `onContent`
// hears of every event that carried generated content (the recorder stamps its arrival).
import { createNdjsonDecoder } from './decoders/ndjson.js';
import { createSseDecoder, type RawBytesSettler, type RawEventSettler } from './decoders/sse.js';
import type { StreamDecoder, StreamEventHandler } from './decoders/stream-decoder.js';
import { chunkScanner, firstTypeName, scanFor } from './json-scan.js';
import { holeLocator, RepeatedEvents, type HoleLocator } from './repeated-events.js';
import type { ParseOptions, ProviderParser, ResponseFacts, StreamFastPath, StreamFormat } from './types.js';

/** An event's verdict from its text: true or false (content or not, nothing else to read), or undefined (parse it). */
type Settle = (text: string, event: string | undefined, facts: ResponseFacts) => boolean | undefined;

/** Each declared fast path is compiled once (its regular expressions), not once per call. */
const compiled = new WeakMap<StreamFastPath, Settle>();

export interface StreamReaderOptions {
  /** false: every event is parsed (the property test's reference). */
  fastPath?: boolean;
  /** false: the fast path without recognising repeated events (their own property test's reference). */
  repeatedEvents?: boolean;
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
  const fastPath = readerOptions.fastPath !== false && !options.captureContent ? parser.fastPath : undefined;
  const settle = fastPath && compile(fastPath);
  const onEvent = (data: string, event: string | undefined) => {
    const verdict = settle?.(data, event, facts);
    if (verdict === undefined ? parser.readEvent(data, event, facts, options) : verdict) onContent();
  };
  if (settle === undefined) return DECODERS[format](onEvent, undefined, undefined);
  const locator = locatorOf(fastPath!);
  const repeats = locator && readerOptions.repeatedEvents !== false ? new RepeatedEvents(locator) : undefined;
  const settleBytes: RawBytesSettler | undefined =
    repeats &&
    ((chunk) => {
      if (!repeats.matches(chunk)) return false;
      onContent();
      return true;
    });
  return DECODERS[format](onEvent, rawSettler(settle, facts, onContent, repeats), settleBytes);
}

type DecoderFactory = (onEvent: StreamEventHandler, settleRaw: RawEventSettler | undefined, settleBytes: RawBytesSettler | undefined) => StreamDecoder;

/** One decoder per stream format; raw settlers are offered to those that can settle an undecoded event. */
const DECODERS: { readonly [F in StreamFormat]: DecoderFactory } = {
  sse: createSseDecoder,
  ndjson: (onEvent) => createNdjsonDecoder(onEvent),
};

function rawSettler(settle: Settle, facts: ResponseFacts, onContent: () => void, repeats: RepeatedEvents | undefined): RawEventSettler {
  return (raw, event) => {
    const verdict = settle(raw, event, facts);
    if (verdict === undefined) return false;
    if (verdict) {
      repeats?.learn(raw);
      onContent();
    }
    return true;
  };
}

const locators = new WeakMap<StreamFastPath, HoleLocator | null>();

function locatorOf(fastPath: StreamFastPath): HoleLocator | undefined {
  let locator = locators.get(fastPath);
  if (locator === undefined) {
    locator = holeLocator(fastPath.content, fastPath.volatile) ?? null;
    locators.set(fastPath, locator);
  }
  return locator ?? undefined;
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
  const { typePrefix, contentTypes } = fastPath;
  return (text, event) => {
    const type = event ?? firstTypeName(text);
    if (type === undefined || !type.startsWith(typePrefix)) return undefined;
    if (contentTypes.test(type)) return hasContent(text);
    return factTypes.has(type) ? undefined : false;
  };
}
