// The repeated-event template: an event that repeats a settled one except inside its string values
// is recognised from its bytes, and nothing else is. That the verdicts it gives equal a full parse
// is test/providers/fast-path.test.ts's property (the fast path there includes repeated events).
import { describe, expect, it } from 'vitest';
import { EventTemplate, stringHoleAt } from '../../agent/providers/decoders/event-template.js';
import { nonEmptyString } from '../../agent/providers/json-scan.js';
import { holeLocator, RepeatedEvents } from '../../agent/providers/repeated-events.js';
import { loadRecording, naiveSseEvents } from './recordings.js';

const bytes = (text: string) => Buffer.from(text, 'utf8');
/** Whether the whole text is one match: the match ends where the text does. */
const wholeMatch = (template: EventTemplate, text: string) => template.matchAt(bytes(text), 0, bytes(text).length) === bytes(text).length;
const event = (content: string, padding = 'a1') =>
  `data: {"id":"c1","model":"m","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}],"obfuscation":"${padding}"}\n\n`;
const locate = holeLocator([nonEmptyString('content')], ['obfuscation'])!;
const templateOf = (raw: string) => EventTemplate.of(Buffer.from(raw, 'latin1'), locate(raw)!);

describe('EventTemplate', () => {
  const template = templateOf(event('Hello'));

  it.each([
    ['other text', event(' world')],
    ['other padding of another length', event('x', 'Zq9kLm')],
    ['an escaped quote and backslash', event('say \\"hi\\" \\\\')],
    ['a unicode escape', event('\\u00e9t\\u00e9')],
    ['multi-byte UTF-8', event('日本語 🎉')],
    ['empty padding', event('x', '')],
  ])('matches the same event with %s', (_name, raw) => {
    expect(wholeMatch(template, raw)).toBe(true);
  });

  it.each([
    ['empty content (no content event)', event('')],
    ['a raw quote in the text (the JSON around it differs)', event('a"b')],
    ['a raw line break (two SSE lines)', event('a\nb')],
    ['an escape JSON does not know', event('a\\xb')],
    ['a lone backslash escaping the closing quote', event('a\\')],
    ['another literal (a finish reason)', event('x').replace('"finish_reason":null', '"finish_reason":"stop"')],
    ['another id', event('x').replace('"c1"', '"c2"')],
    ['a second event behind it', event('x') + event('y')],
    ['the event cut short', event('x').slice(0, -3)],
  ])('does not match %s', (_name, raw) => {
    expect(wholeMatch(template, raw)).toBe(false);
  });

  it('finds where a matching event ends inside a chunk that holds others around it', () => {
    const before = event('a');
    const target = event('日本 \\"x\\"');
    const after = event('c').replace('"finish_reason":null', '"finish_reason":"stop"');
    const chunk = bytes(before + target + after);
    const start = bytes(before).length;
    const end = start + bytes(target).length;
    expect(template.matchAt(chunk, 0, chunk.length)).toBe(start);
    expect(template.matchAt(chunk, start, chunk.length)).toBe(end);
    expect(template.matchAt(chunk, start, end)).toBe(end);
    // Not past the limit, even where the bytes after it would complete the match.
    expect(template.matchAt(chunk, start, end - 1)).toBe(-1);
    const open = bytes(event('x'));
    expect(template.matchAt(open, 0, open.indexOf('"x"') + 2)).toBe(-1);
    // Not from inside an event, and not the event with other facts.
    expect(template.matchAt(chunk, start + 1, chunk.length)).toBe(-1);
    expect(template.matchAt(chunk, end, chunk.length)).toBe(-1);
  });
});

describe('stringHoleAt', () => {
  it('finds the body of the string whose quote it is given, escapes included', () => {
    const raw = '{"a":"x\\"y","b":1}';
    expect(stringHoleAt(raw, 5, true)).toEqual({ start: 6, end: 10, nonEmpty: true });
    expect(stringHoleAt(raw, 4, true)).toBeUndefined();
  });
});

describe('RepeatedEvents over a real stream', () => {
  it('recognises nearly every content event of a real OpenAI stream, padding and all', () => {
    const recording = loadRecording('openai-chat-stream-no-usage.json');
    const repeats = new RepeatedEvents(locate);
    const raws = naiveSseEvents(recording.response.body).map((e) => `data: ${e.data}\n\n`);
    let matched = 0;
    let learned = 0;
    for (const raw of raws.slice(1)) {
      if (!raw.includes('"content":"') || raw.includes('"content":""')) continue;
      if (repeats.repeatAt(bytes(raw), 0, bytes(raw).length) === bytes(raw).length) matched++;
      else {
        repeats.learn(Buffer.from(raw, 'utf8').toString('latin1'));
        learned++;
      }
    }
    expect(learned).toBe(1);
    expect(matched).toBeGreaterThan(5);
  });

  it('stops learning a stream whose events differ outside their text', () => {
    const repeats = new RepeatedEvents(locate);
    const numbered = (n: number) => event('x').replace('"c1"', `"c${n}"`);
    for (let n = 0; n < 10; n++) {
      expect(repeats.repeatAt(bytes(numbered(n)), 0, bytes(numbered(n)).length)).toBe(-1);
      repeats.learn(numbered(n));
    }
    // After a few misses the template is dropped: even an exact repeat is not matched any more.
    expect(repeats.repeatAt(bytes(numbered(9)), 0, bytes(numbered(9)).length)).toBe(-1);
  });
});
