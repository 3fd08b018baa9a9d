// The JSON array stream decoder (Gemini's streamGenerateContent without alt=sse): one event per
// top-level element, as soon as the element's last byte arrives, however the body is cut; strings
// that hold brackets, braces and escaped quotes; the body's own whitespace (Gemini writes `,\r\n`
// between pretty-printed elements); and the same guards as the other decoders.
import { describe, expect, it } from 'vitest';
import { createJsonArrayDecoder } from '../../agent/providers/decoders/json-array.js';
import { MAX_PENDING_CHARS } from '../../agent/providers/decoders/stream-decoder.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

function decode(chunks: readonly Uint8Array[], stopBeforeEnd = false): string[] {
  const events: string[] = [];
  const decoder = createJsonArrayDecoder((data, event) => {
    expect(event).toBeUndefined();
    events.push(data);
  });
  for (const chunk of chunks) decoder.push(chunk);
  if (!stopBeforeEnd) decoder.end();
  return events;
}

function everyCut(bytes: Uint8Array): Uint8Array[][] {
  const plans: Uint8Array[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) plans.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  plans.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return plans;
}

const MULTI_BYTE = 'héllo ✓ 日本語 🌍 Ω';
/** Elements with everything a scan could trip on inside their strings. */
const ELEMENTS = [
  { candidates: [{ content: { parts: [{ text: `${MULTI_BYTE} ] } [ { , "quoted" \\ back\\slash \\"` }], role: 'model' }, index: 0 }] },
  { usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 3 }, nested: [[1, [2]], { a: {} }], empty: '' },
  { candidates: [{ finishReason: 'STOP' }], text: '\\' },
];

describe('JSON array decoder', () => {
  it("reads Gemini's pretty-printed array, cut at every byte, multi-byte characters split", () => {
    const body = encode(`[${ELEMENTS.map((e) => JSON.stringify(e, null, 2)).join('\n,\r\n')}\n]`);
    const expected = ELEMENTS.map((e) => JSON.stringify(e, null, 2));
    for (const chunks of everyCut(body)) expect(decode(chunks)).toEqual(expected);
  });

  it('reads a compact array and one with whitespace everywhere the grammar allows', () => {
    const compact = `[${ELEMENTS.map((e) => JSON.stringify(e)).join(',')}]`;
    expect(decode([encode(compact)]).map((e) => JSON.parse(e))).toEqual(ELEMENTS);
    const spaced = ` \r\n\t[ \n${ELEMENTS.map((e) => JSON.stringify(e)).join(' ,\n\n ')} \t]\r\n `;
    expect(decode([encode(spaced)]).map((e) => JSON.parse(e))).toEqual(ELEMENTS);
  });

  it('hands on each element as soon as it is whole, before the body ends', () => {
    const events: string[] = [];
    const decoder = createJsonArrayDecoder((data) => events.push(data));
    decoder.push(encode('[{"a":1}'));
    expect(events).toEqual(['{"a":1}']);
    decoder.push(encode(',\r\n{"b":'));
    expect(events).toEqual(['{"a":1}']);
    decoder.push(encode('[2]}'));
    expect(events).toEqual(['{"a":1}', '{"b":[2]}']);
    decoder.push(encode('\n]'));
    decoder.end();
    expect(events).toEqual(['{"a":1}', '{"b":[2]}']);
  });

  it('reads scalar and string elements, and an empty array', () => {
    expect(decode([encode('[1, "two, ]", true,null ,-3.5e2]')])).toEqual(['1', '"two, ]"', 'true', 'null', '-3.5e2']);
    expect(decode([encode('[]')])).toEqual([]);
    expect(decode([encode('[ ]')])).toEqual([]);
  });

  it('takes a body that is one value, not an array, as one element', () => {
    for (const chunks of everyCut(encode(' {"error":{"code":500,"status":"INTERNAL"}}\n'))) {
      expect(decode(chunks)).toEqual(['{"error":{"code":500,"status":"INTERNAL"}}']);
    }
    expect(decode([encode('42')])).toEqual(['42']);
  });

  it('drops an element the body leaves unfinished, keeps the ones before it', () => {
    expect(decode([encode('[{"a":1},\r\n{"b":"cut here')])).toEqual(['{"a":1}']);
    expect(decode([encode('[{"a":1},{"b":{"c":2}')])).toEqual(['{"a":1}']);
    // A stream cut after a whole element and its separator, or before the closing bracket.
    expect(decode([encode('[{"a":1}\n,\r\n')])).toEqual(['{"a":1}']);
    expect(decode([encode('[{"a":1}')])).toEqual(['{"a":1}']);
  });

  it('ignores what follows the array', () => {
    expect(decode([encode('[{"a":1}] {"b":2} ['), encode('{"c":3}]')])).toEqual(['{"a":1}']);
  });

  it('drops an element that outgrows MAX_PENDING_CHARS unfinished, and reads the next one', () => {
    const huge = `{"text":"${'x'.repeat(MAX_PENDING_CHARS + 1000)}"}`;
    const cut = MAX_PENDING_CHARS + 500; // the element is unfinished past the bound at this chunk's end
    const chunks = [encode('[{"a":1},'), encode(huge.slice(0, cut)), encode(huge.slice(cut)), encode(',{"b":2}]')];
    const events = decode(chunks).map((e) => (e.length < 100 ? e : `${e.length} chars`));
    expect(events).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('never throws: a throwing handler, malformed text, non-byte input, pushes after end', () => {
    const seen: string[] = [];
    const decoder = createJsonArrayDecoder((data) => {
      seen.push(data);
      throw new Error('handler failure');
    });
    expect(() => {
      decoder.push(encode('[{"a":1}, }}} {"b":2}, ]]'));
      decoder.push('not bytes' as unknown as Uint8Array);
      decoder.end();
      decoder.push(encode('{"late":1}'));
      decoder.end();
      const other = createJsonArrayDecoder(() => {});
      other.push(42 as unknown as Uint8Array);
      other.end();
    }).not.toThrow();
    expect(seen[0]).toBe('{"a":1}');
  });
});
