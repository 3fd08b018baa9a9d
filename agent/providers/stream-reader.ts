// Reads one streamed response: the decoder frames the events, the provider's declared fast path
// settles the events that change no facts from their text alone (a whole SSE event from its raw
// bytes, never decoded: see decoders/sse.ts), and the parser's readEvent parses the rest. `onContent`
// hears of every event that carried generated content (the recorder stamps its arrival).
import { createJsonArrayDecoder } from './decoders/json-array.js';
import { createAwsEventStreamDecoder } from './decoders/aws-eventstream.js';
import { createNdjsonDecoder } from './decoders/ndjson.js';
import { createSseDecoder, type RawBytesSettler, type RawEventSettler } from './decoders/sse.js';
import type { StreamDecoder, StreamEventHandler } from './decoders/stream-decoder.js';
import { chunkScanner, firstTypeName, scanFor, type KeyPattern } from './json-scan.js';
import { holeLocator, RepeatedEvents, type HoleLocator } from './repeated-events.js';
import type { ParseOptions, ProviderParser, ResponseFacts, StreamFastPath, StreamFormat } from './types.js';
import { firstStringValueOf } from './json-scan.js';

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
  // A cumulative stream keeps chunks it settles, so none may be settled by its bytes alone.
  if (settle && fastPath?.kind === 'keys' && fastPath.cumulative) return cumulativeReader(format, settle, cumulativeScan(fastPath.cumulative), parser, facts, options, onContent);
  const onEvent = (data: string, event: string | undefined) => {
    const verdict = settle?.(data, event, facts);
    if (verdict === undefined ? parser.readEvent(data, event, facts, options) : verdict) onContent();
  };
  if (settle === undefined) return DECODERS[format](onEvent, undefined, undefined);
  const locator = locatorOf(fastPath!);
  const repeats = locator && readerOptions.repeatedEvents !== false ? new RepeatedEvents(locator) : undefined;
  const settleBytes: RawBytesSettler | undefined =
    repeats &&
    ((bytes, start, limit) => {
      const end = repeats.repeatAt(bytes, start, limit);
      if (end !== -1) onContent();
      return end;
    });
  return DECODERS[format](onEvent, rawSettler(settle, facts, onContent, repeats), settleBytes);
}

type DecoderFactory = (onEvent: StreamEventHandler, settleRaw: RawEventSettler | undefined, settleBytes: RawBytesSettler | undefined) => StreamDecoder;

/** One decoder per stream format; raw settlers are offered to those that can settle an undecoded event. */
const DECODERS: { readonly [F in StreamFormat]: DecoderFactory } = {
  sse: createSseDecoder,
  ndjson: (onEvent) => createNdjsonDecoder(onEvent),
  'json-array': (onEvent) => createJsonArrayDecoder(onEvent),
  'aws-eventstream': (onEvent) => createAwsEventStreamDecoder(onEvent),
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

/**
 * A stream whose every chunk repeats the facts so far (KeyedFastPath.cumulative): a settled chunk
 * that repeats them is kept, unparsed, in place of the one kept before it, and the one kept last is
 * parsed when the stream ends, or before the next parsed chunk unless that one repeats the facts
 * too, so the facts come out as a parse of every chunk would leave them. A raw SSE event is kept
 * as its raw text and decoded only if it is parsed.
 */
function cumulativeReader(
  format: StreamFormat,
  settle: Settle,
  repeatsFacts: (text: string) => boolean,
  parser: ProviderParser,
  facts: ResponseFacts,
  options: ParseOptions,
  onContent: () => void,
): StreamDecoder {
  let kept: string | undefined;
  let keptEvent: string | undefined;
  let keptRaw = false;
  const readKept = () => {
    if (kept === undefined) return;
    const data = keptRaw ? rawSseData(kept) : kept;
    kept = undefined;
    // Its content was counted when it arrived: only its facts are read now.
    parser.readEvent(data, keptEvent, facts, options);
  };
  /** Settles one chunk by its verdict; false when it has to be parsed. */
  const settled = (text: string, event: string | undefined, raw: boolean): boolean => {
    const verdict = settle(text, event, facts);
    if (verdict === undefined) {
      if (repeatsFacts(text)) kept = undefined;
      else readKept();
      return false;
    }
    if (repeatsFacts(text)) {
      kept = text;
      keptEvent = event;
      keptRaw = raw;
    }
    if (verdict) onContent();
    return true;
  };
  const onEvent = (data: string, event: string | undefined) => {
    if (!settled(data, event, false) && parser.readEvent(data, event, facts, options)) onContent();
  };
  const decoder = DECODERS[format](onEvent, (raw, event) => settled(raw, event, true), undefined);
  return {
    push: (chunk) => decoder.push(chunk),
    end() {
      decoder.end();
      try {
        readKept();
      } catch {
        // A parser that fails leaves the facts as they were; the app's stream is not touched.
      }
    },
  };
}

const cumulativeScans = new WeakMap<KeyPattern, (text: string) => boolean>();

function cumulativeScan(pattern: KeyPattern): (text: string) => boolean {
  let scan = cumulativeScans.get(pattern);
  if (scan === undefined) {
    scan = scanFor(pattern);
    cumulativeScans.set(pattern, scan);
  }
  return scan;
}

/** The data of a raw SSE event in the plain shape the SSE decoder offers (`[event: …\n]data: …\n\n`, latin1). */
function rawSseData(raw: string): string {
  const line = raw.startsWith('data:') ? 0 : raw.indexOf('\n') + 1;
  const start = raw.charCodeAt(line + 5) === 32 ? line + 6 : line + 5;
  return Buffer.from(raw.slice(start, raw.length - 2), 'latin1').toString('utf8');
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
  const typeOf = fastPath.typeKey === undefined ? firstTypeName : firstStringValueOf(fastPath.typeKey);
  return (text, event) => {
    const type = event ?? typeOf(text);
    if (type === undefined || !type.startsWith(typePrefix)) return undefined;
    if (contentTypes.test(type)) return hasContent(text);
    if (quietTypes) return quietTypes.has(type) ? false : undefined;
    return factTypes.has(type) ? undefined : false;
  };
}
