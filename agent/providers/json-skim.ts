// Reads chosen fields of a JSON object's top level without parsing the rest. A request body is
// mostly prompt (messages, tools, documents), and without content capture only the model, the
// stream flag and a few parameters are read from it: for a 100 KB prompt a full JSON.parse cost
// most of the model span's budget. The skim finds string ends with String#indexOf (native) and
// steps over nested values by their brackets, parsing only the values of the fields asked for.
//
// It checks the structure of the top level only: a skipped value is not validated, so a body that
// is not valid JSON inside a skipped value still yields the fields asked for (a provider rejects
// such a request anyway). Where a key repeats, the last one wins, as in JSON.parse.
import type { JsonObject } from './json.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** The fields of `text`'s top-level object named in `fields`, parsed; undefined when `text` is not an object. */
export function skimObject(text: string, fields: ReadonlySet<string>): JsonObject | undefined {
  try {
    return skim(text, fields);
  } catch {
    return undefined; // a wanted value that is not JSON
  }
}

function skim(text: string, fields: ReadonlySet<string>): JsonObject | undefined {
  const out: JsonObject = {};
  let at = skipSpace(text, 0);
  if (text.charCodeAt(at) !== OPEN_BRACE) return undefined;
  at = skipSpace(text, at + 1);
  if (text.charCodeAt(at) === CLOSE_BRACE) return skipSpace(text, at + 1) === text.length ? out : undefined;
  for (;;) {
    if (text.charCodeAt(at) !== QUOTE) return undefined;
    const keyEnd = stringEnd(text, at);
    if (keyEnd < 0) return undefined;
    const rawKey = text.slice(at + 1, keyEnd);
    const key = rawKey.includes('\\') ? (JSON.parse(text.slice(at, keyEnd + 1)) as string) : rawKey;
    at = skipSpace(text, keyEnd + 1);
    if (text.charCodeAt(at) !== COLON) return undefined;
    at = skipSpace(text, at + 1);
    const valueEnd = valueEndAt(text, at);
    if (valueEnd < 0) return undefined;
    if (fields.has(key)) out[key] = JSON.parse(text.slice(at, valueEnd));
    at = skipSpace(text, valueEnd);
    const next = text.charCodeAt(at);
    if (next === CLOSE_BRACE) return skipSpace(text, at + 1) === text.length ? out : undefined;
    if (next !== COMMA) return undefined;
    at = skipSpace(text, at + 1);
  }
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function skipSpace(text: string, from: number): number {
  let at = from;
  while (at < text.length && isSpace(text.charCodeAt(at))) at++;
  return at;
}

/** The index of the closing quote of the string opening at `quote`, or -1. */
function stringEnd(text: string, quote: number): number {
  let at = quote;
  for (;;) {
    at = text.indexOf('"', at + 1);
    if (at < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return at;
  }
}

/** The index just past the value starting at `from`, or -1 when the text ends first. */
function valueEndAt(text: string, from: number): number {
  const first = text.charCodeAt(from);
  if (first === QUOTE) {
    const end = stringEnd(text, from);
    return end < 0 ? -1 : end + 1;
  }
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let at = from; at < text.length; at++) {
      const c = text.charCodeAt(at);
      if (c === QUOTE) {
        at = stringEnd(text, at);
        if (at < 0) return -1;
      } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
      else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
        if (--depth === 0) return at + 1;
      }
    }
    return -1;
  }
  // A number, true, false or null: up to the next delimiter.
  let at = from;
  while (at < text.length) {
    const c = text.charCodeAt(at);
    if (c === COMMA || c === CLOSE_BRACE || c === CLOSE_BRACKET || isSpace(c)) break;
    at++;
  }
  return at > from ? at : -1;
}
