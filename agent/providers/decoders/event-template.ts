// The bytes of one settled stream event with its string values cut out: the generated text, and
// fields that change from event to event without meaning anything (OpenAI's `obfuscation` padding).
// Providers write most events of a stream alike: an event that matches the template literal for
// literal, holding a JSON string body in each hole, is the same event with other text, so it has
// the settled event's verdict without being copied, decoded or scanned. Matching reads each byte
// once from the chunk itself; nothing is allocated.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LF = 0x0a;
const CR = 0x0d;

/** The characters JSON allows after a backslash: `" \ / b f n r t u`. */
const ESCAPABLE = new Uint8Array(128);
for (const c of '"\\/bfnrtu') ESCAPABLE[c.charCodeAt(0)] = 1;

/** A string value's body in the learned event: its bytes [start, end), between the quotes. */
export interface Hole {
  start: number;
  end: number;
  /** The generated text: a match must hold at least one character here, as the settled event did. */
  nonEmpty: boolean;
}

export class EventTemplate {
  private constructor(
    /** One more literal than holes: the bytes before, between and after them. */
    private readonly literals: readonly Uint8Array[],
    private readonly nonEmpty: readonly boolean[],
  ) {}

  /** The template of `event` with `holes` (sorted, not overlapping) cut out; bytes are copied once. */
  static of(event: Uint8Array, holes: readonly Hole[]): EventTemplate {
    const literals: Uint8Array[] = [];
    let at = 0;
    for (const hole of holes) {
      literals.push(event.slice(at, hole.start));
      at = hole.end;
    }
    literals.push(event.slice(at));
    return new EventTemplate(literals, holes.map((hole) => hole.nonEmpty));
  }

  /** Hot path: true when `chunk` is the learned event with other JSON string bodies in its holes. */
  matches(chunk: Uint8Array): boolean {
    const length = chunk.length;
    const literals = this.literals;
    let at = 0;
    for (let k = 0; k < literals.length; k++) {
      const literal = literals[k]!;
      const literalLength = literal.length;
      if (at + literalLength > length) return false;
      for (let i = 0; i < literalLength; i++) if (chunk[at + i] !== literal[i]) return false;
      at += literalLength;
      if (k === literals.length - 1) break;
      const bodyStart = at;
      at = stringBodyEnd(chunk, at);
      if (at < 0 || (this.nonEmpty[k] && at === bodyStart)) return false;
    }
    return at === length;
  }
}

/**
 * Where the JSON string body starting at `from` ends (at its closing quote), or -1 when the chunk
 * ends first or holds what no JSON string may: a raw line break, or an escape JSON does not know.
 */
function stringBodyEnd(chunk: Uint8Array, from: number): number {
  const length = chunk.length;
  for (let at = from; at < length; at++) {
    const c = chunk[at]!;
    if (c === QUOTE) return at;
    if (c === LF || c === CR) return -1;
    if (c === BACKSLASH) {
      const next = chunk[at + 1];
      if (next === undefined || next >= 128 || ESCAPABLE[next] === 0) return -1;
      at++;
    }
  }
  return -1;
}

/** The body of the JSON string whose opening quote is at `quote` in `raw` (an event read as latin1). */
export function stringHoleAt(raw: string, quote: number, nonEmpty: boolean): Hole | undefined {
  if (raw.charCodeAt(quote) !== QUOTE) return undefined;
  for (let at = quote + 1; at < raw.length; at++) {
    const c = raw.charCodeAt(at);
    if (c === QUOTE) return { start: quote + 1, end: at, nonEmpty };
    if (c === BACKSLASH) at++;
  }
  return undefined;
}
