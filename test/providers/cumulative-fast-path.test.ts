// KeyedFastPath.cumulative: a stream whose every chunk repeats the facts so far (Gemini's usage in
// every chunk) is settled chunk by chunk and only the latest kept chunk is parsed, at the end or
// before a parsed chunk that does not repeat the facts itself, so the facts equal a parse of every
// chunk however the body is cut, in every stream format, from raw SSE events (multi-byte text
// included) and decoded ones alike.
import { describe, expect, it } from 'vitest';
import { anyValue, nonEmptyString } from '../../agent/providers/json-scan.js';
import type { ProviderParser, StreamFormat } from '../../agent/providers/types.js';
import { isObject, numberOrUndefined, parseJson, stringOrUndefined } from '../../agent/providers/json.js';
import { cutPlans, eventBoundaryCuts, replay } from './recordings.js';

/** Every chunk: `{id, count, text}` (count so far); the last adds `done`. */
const snapshotParser: ProviderParser = {
  readRequest: () => ({ stream: true, attributes: {} }),
  readResponse: () => {},
  readEvent(data, _event, facts) {
    const chunk = parseJson(data);
    if (!isObject(chunk)) return false;
    const id = stringOrUndefined(chunk.id);
    if (id !== undefined) facts.responseId = id;
    // `count` is the cumulative key: a chunk that holds it replaces what an earlier one said.
    if ('count' in chunk) {
      const count = numberOrUndefined(chunk.count);
      if (count === undefined) delete facts.outputTokens;
      else facts.outputTokens = count;
    }
    const last = stringOrUndefined(chunk.last);
    if (last !== undefined) facts.outputText = last;
    if (typeof chunk.done === 'string') facts.finishReasons = [chunk.done];
    return typeof chunk.text === 'string' && chunk.text !== '';
  },
  fastPath: { kind: 'keys', parseUntil: ['responseId'], facts: [anyValue('done')], content: [nonEmptyString('text')], cumulative: anyValue('count') },
};

const chunks = (count: number, done: boolean) =>
  Array.from({ length: count }, (_, i) => ({
    id: 'r1',
    count: i + 1,
    text: i % 3 === 2 ? '' : `tök ${i} 世界 👋`,
    last: `chunk ${i} é`,
    ...(done && i === count - 1 ? { done: 'STOP' } : {}),
  }));

const BODIES: Record<Exclude<StreamFormat, 'aws-eventstream'>, (items: object[]) => string> = {
  sse: (items) => items.map((item) => `data: ${JSON.stringify(item)}\n\n`).join(''),
  ndjson: (items) => items.map((item) => `${JSON.stringify(item)}\n`).join(''),
  'json-array': (items) => `[${items.map((item) => JSON.stringify(item, null, 2)).join('\n,\r\n')}\n]`,
};

describe('cumulative fast path', () => {
  for (const format of ['sse', 'ndjson', 'json-array'] as const) {
    for (const done of [true, false]) {
      it(`${format}, ${done ? 'finished' : 'cut before its last chunk'}: the facts of a full parse, from a parse of few chunks`, () => {
        const bytes = new TextEncoder().encode(BODIES[format](chunks(9, done)));
        const full = replay(snapshotParser, format, bytes, [], undefined, { fastPath: false });
        expect(full.facts).toMatchObject({ responseId: 'r1', outputTokens: 9, outputText: 'chunk 8 é' });
        for (const cuts of [eventBoundaryCuts(bytes), ...cutPlans(bytes.length, 30, 3)]) {
          const fast = replay(snapshotParser, format, bytes, cuts);
          expect({ cuts, facts: fast.facts, content: fast.contentEvents }).toEqual({ cuts, facts: full.facts, content: full.contentEvents });
        }
        // One chunk per event: the head is parsed, then the finishing chunk (which repeats the
        // facts itself) or, in a stream cut short, the last kept one at the end.
        const oneEach = replay(snapshotParser, format, bytes, format === 'sse' ? eventBoundaryCuts(bytes) : []);
        expect(oneEach.parsed).toBe(2);
        expect(oneEach.settled).toBe(7);
      });
    }
  }

  it('a parsed chunk that does not repeat the facts (an error) first reads the kept one', () => {
    const items = [...chunks(4, false), { done: 'ERROR', last: 'final' }];
    for (const format of ['sse', 'json-array'] as const) {
      const bytes = new TextEncoder().encode(BODIES[format](items));
      const fast = replay(snapshotParser, format, bytes, format === 'sse' ? eventBoundaryCuts(bytes) : []);
      expect(fast.facts).toEqual({ responseId: 'r1', outputTokens: 4, outputText: 'final', finishReasons: ['ERROR'] });
      expect(fast.facts).toEqual(replay(snapshotParser, format, bytes, [], undefined, { fastPath: false }).facts);
      expect(fast.parsed).toBe(3); // the head, the kept fourth chunk, the error
    }
  });

  it('a settled chunk that does not repeat the facts is not kept in place of one that does', () => {
    const items = [...chunks(3, false), { id: 'r1', text: 'more' }, { id: 'r1', text: 'and more' }];
    const bytes = new TextEncoder().encode(BODIES.ndjson(items));
    const fast = replay(snapshotParser, 'ndjson', bytes, []);
    expect(fast.facts).toEqual({ responseId: 'r1', outputTokens: 3, outputText: 'chunk 2 é', finishReasons: [] });
    expect(fast.facts).toEqual(replay(snapshotParser, 'ndjson', bytes, [], undefined, { fastPath: false }).facts);
    expect(fast.contentEvents).toBe(4);
  });
});
