// Recognises, from its bytes alone, an event that repeats the stream's last settled content event
// except inside its string values (decoders/event-template.ts): the generated text, and the keys a
// provider declares as changing on every event (OpenAI's `obfuscation`). Such an event has the
// settled event's verdict: content, and no fact changed. A stream whose events differ elsewhere
// (a sequence number, usage so far) stops being templated after a few misses, so it pays for the
// learning only a few times.
import { EventTemplate, stringHoleAt, type Hole } from './decoders/event-template.js';
import { alternatives, keyPrefix, type KeyPattern } from './json-scan.js';

/** Learnings in a row that the next event did not match: past this the stream is not templated. */
const MAX_MISSES = 4;

/** The holes of a settled content event (read as latin1): its content string and its volatile strings. */
export type HoleLocator = (raw: string) => Hole[] | undefined;

/**
 * Compiles the locator from a fast path's content patterns (those whose value is a string) and its
 * volatile keys; undefined when no content pattern is a string (nothing to cut out).
 */
export function holeLocator(content: readonly KeyPattern[], volatile: readonly string[] = []): HoleLocator | undefined {
  const strings = content.filter((pattern) => pattern.stringValue === true);
  if (strings.length === 0) return undefined;
  // A string pattern ends with the opening quote and the value's first character.
  const contentValue = new RegExp(alternatives(strings));
  const volatileValue = volatile.length > 0 ? new RegExp(`${keyPrefix(volatile)}"`, 'g') : undefined;
  return (raw) => {
    const match = contentValue.exec(raw);
    if (match === null) return undefined;
    const text = stringHoleAt(raw, match.index + match[0].length - 2, true);
    if (text === undefined) return undefined;
    const holes = [text];
    if (volatileValue !== undefined) {
      volatileValue.lastIndex = 0;
      for (let found = volatileValue.exec(raw); found !== null; found = volatileValue.exec(raw)) {
        const hole = stringHoleAt(raw, found.index + found[0].length - 1, false);
        if (hole === undefined) return undefined;
        holes.push(hole);
      }
    }
    holes.sort((a, b) => a.start - b.start);
    for (let i = 1; i < holes.length; i++) if (holes[i]!.start < holes[i - 1]!.end) return undefined;
    return holes;
  };
}

export class RepeatedEvents {
  private template: EventTemplate | undefined;
  private misses = 0;

  constructor(private readonly locate: HoleLocator) {}

  /**
   * Hot path: where the event at `start` ends when it repeats the last learned event (and so is
   * content), reading no further than `limit`; -1 when it does not.
   */
  repeatAt(bytes: Uint8Array, start: number, limit: number): number {
    const template = this.template;
    const end = template === undefined ? -1 : template.matchAt(bytes, start, limit);
    if (end !== -1) this.misses = 0;
    return end;
  }

  /** A whole event (its raw latin1 text) was settled as content without matching: learn it. */
  learn(raw: string): void {
    if (this.misses >= MAX_MISSES) {
      this.template = undefined;
      return;
    }
    this.misses++;
    const holes = this.locate(raw);
    this.template = holes && EventTemplate.of(Buffer.from(raw, 'latin1'), holes);
  }
}
