// The stream decoders: any cut of the bytes gives the same events, multi-byte characters survive
// being split, and nothing a server or a handler does makes push() or end() throw.
import { describe, expect, it } from 'vitest';
import { createStreamDecoder } from './stream-decoder.js';
import { createSseDecoder } from '../../agent/providers/decoders/sse.js';
import type { StreamFormat } from '../../agent/providers/types.js';

type Event = [data: string, event: string | undefined];

function decode(format: StreamFormat, chunks: readonly Uint8Array[], stopBeforeEnd = false): Event[] {
  const events: Event[] = [];
  const decoder = createStreamDecoder(format, (data, event) => events.push([data, event]));
  for (const chunk of chunks) decoder.push(chunk);
  if (!stopBeforeEnd) decoder.end();
  return events;
}

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The body cut once at every byte position, and also fed one byte at a time. */
function everyCut(bytes: Uint8Array): Uint8Array[][] {
  const plans: Uint8Array[][] = [];
  for (let cut = 0; cut <= bytes.length; cut++) plans.push([bytes.subarray(0, cut), bytes.subarray(cut)]);
  plans.push(Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
  return plans;
}

// Two-, three- and four-byte UTF-8 characters, and a surrogate pair.
const MULTI_BYTE = 'héllo ✓ 日本語 🌍 Ω';

describe('SSE decoder', () => {
  it('decodes multi-byte characters split at every byte, with event names', () => {
    const body = encode(`event: delta\ndata: {"text":"${MULTI_BYTE}"}\n\ndata: [DONE]\n\n`);
    for (const chunks of everyCut(body)) {
      expect(decode('sse', chunks)).toEqual([
        [`{"text":"${MULTI_BYTE}"}`, 'delta'],
        ['[DONE]', undefined],
      ]);
    }
  });

  it('handles CRLF framing, comments, multi-line data and an id field', () => {
    const body = encode(': keep-alive\r\n\r\nid: 7\r\ndata: line one\r\ndata: line two\r\n\r\nevent: ping\r\ndata: {}\r\n\r\n');
    for (const chunks of everyCut(body)) {
      expect(decode('sse', chunks)).toEqual([
        ['line one\nline two', undefined],
        ['{}', 'ping'],
      ]);
    }
  });

  it('delivers a last event that lacks its blank line only at end()', () => {
    const chunks = [encode('data: first\n\ndata: last')];
    expect(decode('sse', chunks, true)).toEqual([['first', undefined]]);
    expect(decode('sse', chunks)).toEqual([
      ['first', undefined],
      ['last', undefined],
    ]);
  });

  it('offers the settlers every whole event in the plain shape, wherever it falls in the chunks', () => {
    const offered: string[] = [];
    const ranges: string[] = [];
    const events: Event[] = [];
    // Settles every offered event except the ones that ask to be decoded.
    const decoder = createSseDecoder(
      (data, event) => events.push([data, event]),
      (raw) => {
        offered.push(raw);
        if (raw.includes('decline')) return false;
        if (raw.includes('throw')) throw new Error('settler failed');
        return true;
      },
      // Offered the rest of the chunk from each event's start; settles `by bytes` events, reporting where they end.
      (bytes, start, limit) => {
        const rest = Buffer.from(bytes.subarray(start, limit)).toString('utf8');
        const end = rest.indexOf('\n\n');
        ranges.push(end === -1 ? `${rest} (unfinished)` : rest.slice(0, end + 2));
        return rest.startsWith('data: by bytes') ? start + Buffer.byteLength(rest.slice(0, end + 2)) : -1;
      },
    );
    const pushes = [
      'data: {"a":1}\n\n', // whole event at the start: offered, settled
      'event: delta\ndata: {"b":2}\n\n', // named event: offered, settled
      'data: {"c":', // half an event: offered once its blank line arrives
      '3}\n', // the blank line itself split across chunks
      '\ndata: decline\n\n', // offered, declined: decoded
      'data: throw\n\n', // offered, the settler throws: decoded
      'data: one\n\ndata: by bytes\n\ndata: tw', // several events in one chunk, one cut: each offered
      'o\n\n',
      'id: 1\ndata: x\n\n', // two lines, not event + data: decoded by the spec-complete parser
      ': comment\n\n', // a comment: read by the parser, dispatches nothing
      `data: "${MULTI_BYTE}"\n\n`, // offered as latin1 bytes, settled
      'data: crlf\r\n\n', // a CR line end: from here on the parser reads the stream, nothing offered
      'data: after\n\n',
    ];
    for (const text of pushes) decoder.push(encode(text));
    decoder.end();
    expect(offered).toEqual([
      'data: {"a":1}\n\n',
      'event: delta\ndata: {"b":2}\n\n',
      'data: {"c":3}\n\n',
      'data: decline\n\n',
      'data: throw\n\n',
      'data: one\n\n',
      'data: two\n\n',
      `data: "${Buffer.from(MULTI_BYTE).toString('latin1')}"\n\n`,
    ]);
    // The byte settler is offered every event first, in the shape or not, before it is framed:
    // an unfinished one too, and an event completed across chunks once it is whole.
    expect(ranges).toEqual([
      'data: {"a":1}\n\n',
      'event: delta\ndata: {"b":2}\n\n',
      'data: {"c": (unfinished)',
      'data: {"c":3}\n\n',
      'data: decline\n\n',
      'data: throw\n\n',
      'data: one\n\n',
      'data: by bytes\n\n',
      'data: tw (unfinished)',
      'data: two\n\n',
      'id: 1\ndata: x\n\n',
      ': comment\n\n',
      `data: "${MULTI_BYTE}"\n\n`,
      'data: crlf\r\n\n',
    ]);
    expect(events).toEqual([
      ['decline', undefined],
      ['throw', undefined],
      ['x', undefined],
      ['crlf', undefined],
      ['after', undefined],
    ]);
  });

  /** The SSE decoder with settlers that are offered every event and settle none. */
  function decodeOffered(chunks: readonly Uint8Array[]): Event[] {
    const events: Event[] = [];
    const decoder = createSseDecoder(
      (data, event) => events.push([data, event]),
      () => false,
      () => -1,
    );
    for (const chunk of chunks) decoder.push(chunk);
    decoder.end();
    return events;
  }

  it('reads every event the same way however the stream is cut, plain, odd-shaped and named alike', () => {
    const body = encode(`data: {"a":"${MULTI_BYTE}"}\n\nevent: delta\ndata: x\n\n: ping\n\ndata:nospace\n\ndata: one\ndata: two\n\nevent:\ndata: unnamed\n\ndata:\n\nretry: 5\n\n\n\ndata: [DONE]\n\n`);
    const expected: Event[] = [
      [`{"a":"${MULTI_BYTE}"}`, undefined],
      ['x', 'delta'],
      ['nospace', undefined],
      ['one\ntwo', undefined],
      ['unnamed', undefined],
      ['', undefined],
      ['[DONE]', undefined],
    ];
    for (const chunks of everyCut(body)) {
      expect(decode('sse', chunks)).toEqual(expected);
      expect(decodeOffered(chunks)).toEqual(expected);
    }
    // LF framing that turns to CR line ends mid-stream: from the first CR on, the parser reads it.
    const mixed = encode('data: a\n\nevent: e\ndata: b\r\n\r\ndata: c\rdata: d\r\rdata: é\n\n');
    const mixedEvents: Event[] = [
      ['a', undefined],
      ['b', 'e'],
      ['c\nd', undefined],
      ['é', undefined],
    ];
    for (const chunks of everyCut(mixed)) {
      expect(decode('sse', chunks)).toEqual(mixedEvents);
      expect(decodeOffered(chunks)).toEqual(mixedEvents);
    }
    // Empty chunks between every byte: a blank line split by one still ends its event.
    const withEmpties = Array.from(body, (_, i) => [body.subarray(i, i + 1), new Uint8Array(0)]).flat();
    expect(decode('sse', withEmpties)).toEqual(expected);
  });

  it('never throws: malformed lines, a throwing handler, pushes after end, non-byte input', () => {
    const seen: Event[] = [];
    const decoder = createStreamDecoder('sse', (data, event) => {
      seen.push([data, event]);
      if (data === 'boom') throw new Error('handler failure');
    });
    expect(() => {
      decoder.push(encode('garbage line\nretry: soon\n\nevent: a\ndata: boom\n\nevent: b\ndata: after\n\n'));
      decoder.push(encode('data: {"unterminated": \n\n'));
      decoder.push('not bytes' as unknown as Uint8Array);
      decoder.end();
      decoder.push(encode('data: too late\n\n'));
      decoder.end();
    }).not.toThrow();
    // The throwing handler did not leave the next event with the wrong name.
    expect(seen).toEqual([
      ['boom', 'a'],
      ['after', 'b'],
      ['{"unterminated": ', undefined],
    ]);
  });
});

describe('NDJSON decoder', () => {
  it('decodes lines split at every byte, with multi-byte characters, CRLF and blank lines', () => {
    const body = encode(`{"response":"${MULTI_BYTE}"}\r\n\n{"done":false}\n   \n{"done":true}`);
    for (const chunks of everyCut(body)) {
      expect(decode('ndjson', chunks)).toEqual([
        [`{"response":"${MULTI_BYTE}"}`, undefined],
        ['{"done":false}', undefined],
        ['{"done":true}', undefined],
      ]);
    }
  });

  it('keeps a line without its newline until end()', () => {
    expect(decode('ndjson', [encode('{"a":1}\n{"b":')], true)).toEqual([['{"a":1}', undefined]]);
    expect(decode('ndjson', [encode('{"a":1}\n{"b":'), encode('2}')])).toEqual([
      ['{"a":1}', undefined],
      ['{"b":2}', undefined],
    ]);
  });

  it('never throws: a throwing handler, non-byte input, pushes after end', () => {
    const seen: string[] = [];
    const decoder = createStreamDecoder('ndjson', (data) => {
      seen.push(data);
      throw new Error('handler failure');
    });
    expect(() => {
      decoder.push(encode('{"a":1}\nnot json\n'));
      decoder.end();
      decoder.push(encode('{"late":1}\n'));
      createStreamDecoder('ndjson', () => {}).push(42 as unknown as Uint8Array);
    }).not.toThrow();
    expect(seen).toEqual(['{"a":1}', 'not json']);
  });
});
