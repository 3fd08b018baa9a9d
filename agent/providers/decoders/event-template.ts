// The bytes of one settled stream event with its string values cut out: the generated text, and
// fields that change from event to event without meaning anything (OpenAI's `obfuscation` padding).
// Providers write most events of a stream alike: an event that matches the template literal for
// literal, holding a JSON string body in each hole, is the same event with other text, so it has
// the settled event's verdict without being copied, decoded or scanned. Matching reads each byte
// once from the bytes themselves; nothing is allocated.

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
    private readonly literals: readonly Buffer[],
    private readonly nonEmpty: readonly boolean[],
  ) {}

  /** The template of `event` with `holes` (sorted, not overlapping) cut out; bytes are copied once. */
  static of(event: Uint8Array, holes: readonly Hole[]): EventTemplate {
    const literals: Buffer[] = [];
    let at = 0;
    for (const hole of holes) {
      literals.push(Buffer.from(event.subarray(at, hole.start)));
      at = hole.end;
    }
    literals.push(Buffer.from(event.subarray(at)));
    return new EventTemplate(literals, holes.map((hole) => hole.nonEmpty));
  }

  /**
   * Hot path: where the event at `start` ends when it is the learned event with other JSON string
   * bodies in its holes, reading no further than `limit`; -1 when it is not. The last literal ends
   * with the event's blank line, so a match is a whole event and the caller need not frame it.
   */
  matchAt(bytes: Uint8Array, start: number, limit: number): number {
    const literals = this.literals;
    let at = start;
    for (let k = 0; k < literals.length; k++) {
      const literal = literals[k]!;
      const literalLength = literal.length;
      if (at + literalLength > limit || !sameBytes(literal, bytes, at)) return -1;
      at += literalLength;
      if (k === literals.length - 1) break;
      const bodyStart = at;
      at = stringBodyEnd(bytes, at, limit);
      if (at < 0 || (this.nonEmpty[k] && at === bodyStart)) return -1;
    }
    return at;
  }
}

/** Literals at least this long are compared natively: the call costs about what 50 bytes do in a loop. */
const NATIVE_COMPARE_FROM = 48;

/** Whether `bytes` holds `literal` at `at` (the caller checked that it fits). */
function sameBytes(literal: Buffer, bytes: Uint8Array, at: number): boolean {
  const length = literal.length;
  if (length >= NATIVE_COMPARE_FROM) return literal.compare(bytes, at, at + length) === 0;
  for (let i = 0; i < length; i++) if (bytes[at + i] !== literal[i]) return false;
  return true;
}

/**
 * Where the JSON string body starting at `from` ends (at its closing quote), or -1 when `limit`
 * comes first or holds what no JSON string may: a raw line break, or an escape JSON does not know.
 */
function stringBodyEnd(bytes: Uint8Array, from: number, limit: number): number {
  for (let at = from; at < limit; at++) {
    const c = bytes[at]!;
    if (c === QUOTE) return at;
    if (c === LF || c === CR) return -1;
    if (c === BACKSLASH) {
      if (at + 1 >= limit) return -1;
      const next = bytes[at + 1]!;
      if (next >= 128 || ESCAPABLE[next] === 0) return -1;
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
