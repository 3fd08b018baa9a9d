// One JSON array whose elements arrive piece by piece (Gemini's streamGenerateContent without
// `alt=sse`: `[{…}\n,\r\n{…}\n]`): one event per top-level element, handed on as soon as its last
// character arrives. Only the element being read is held, never the body. The scan carries its
// state across chunks (nesting depth, inside a string, after a backslash), so a chunk may end
// anywhere, inside a string or a UTF-8 character (one streaming TextDecoder) included. A body that
// is one JSON value rather than an array counts as one element; an element the body leaves
// unfinished is dropped at the end, as it could not parse.
import { guardHandler, MAX_PENDING_CHARS, textStreamDecoder, type StreamDecoder, type StreamEventHandler } from './stream-decoder.js';

// Module-local on purpose: these are read in the per-character loop, and imported bindings are a
// property read each under the test runner's module transform (the JSON-array fast-path test took
// three times as long with them imported from one shared module).
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x0a || code === 0x0d || code === 0x09;
}

/** Where the scan is: before the body's first value, between two elements, inside one, past the array. */
type Place = 'start' | 'between' | 'element' | 'done';

export function createJsonArrayDecoder(onEvent: StreamEventHandler): StreamDecoder {
  const handle = guardHandler(onEvent);
  let place: Place = 'start';
  /** The body is one value, not an array: its end ends the body. */
  let single = false;
  // The element being read: nesting depth, string state, and whether it is a bare scalar (a number,
  // true, false, null), which ends at a delimiter rather than at a closing character.
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false;
  /** The element's text from earlier chunks. */
  let pending = '';
  /** Dropping an over-long element until its end. */
  let skipping = false;

  function begin(code: number): void {
    place = 'element';
    depth = code === OPEN_BRACE || code === OPEN_BRACKET ? 1 : 0;
    inString = code === QUOTE;
    escaped = false;
    scalar = depth === 0 && !inString;
  }

  function complete(element: string): void {
    pending = '';
    if (skipping) skipping = false;
    else handle(element, undefined);
    place = single ? 'done' : 'between';
  }

  function consume(chunk: string): void {
    let start = 0; // where the element being read starts in this chunk
    for (let i = 0; i < chunk.length; i++) {
      const code = chunk.charCodeAt(i);
      if (place === 'element') {
        if (inString) {
          if (escaped) escaped = false;
          else if (code === BACKSLASH) escaped = true;
          else if (code === QUOTE) {
            inString = false;
            if (depth === 0) complete(pending + chunk.slice(start, i + 1));
          }
        } else if (scalar) {
          if (code === COMMA || code === CLOSE_BRACKET || isSpace(code)) {
            complete(pending + chunk.slice(start, i));
            i--; // the delimiter belongs to the array
          }
        } else if (code === QUOTE) inString = true;
        else if (code === OPEN_BRACE || code === OPEN_BRACKET) depth++;
        else if ((code === CLOSE_BRACE || code === CLOSE_BRACKET) && --depth === 0) complete(pending + chunk.slice(start, i + 1));
      } else if (place === 'between') {
        if (code === CLOSE_BRACKET) place = 'done';
        else if (code !== COMMA && !isSpace(code)) {
          begin(code);
          start = i;
        }
      } else if (place === 'start') {
        if (code === OPEN_BRACKET) place = 'between';
        else if (!isSpace(code)) {
          single = true;
          begin(code);
          start = i;
        }
      } else return; // past the array: nothing more to read
    }
    if (place === 'element' && !skipping) {
      pending += chunk.slice(start);
      if (pending.length > MAX_PENDING_CHARS) {
        pending = '';
        skipping = true;
      }
    }
  }

  return textStreamDecoder(consume, (rest) => {
    consume(rest);
    // The body's end ends a bare scalar; an unfinished object, array or string is dropped.
    if (place === 'element' && scalar) complete(pending);
    pending = '';
  });
}
