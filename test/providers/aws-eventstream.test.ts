// The AWS event-stream decoder (Bedrock's streams): any cut of the bytes gives the same messages,
// fed chunk by chunk; exception and error messages are named apart from events; a corrupt or
// implausible stream stops the decoder without a throw, and a message cut off by the end is dropped.
// Frames are encoded by the simulator's encoder, which is the AWS SDK's own codec.
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { describe, expect, it } from 'vitest';
import { createAwsEventStreamDecoder } from '../../agent/providers/decoders/aws-eventstream.js';
import { eventFrame, exceptionFrame } from '../../demo/simulator/eventstream.js';
import { cutPlans } from './recordings.js';

type Event = [data: string, event: string | undefined];

function decode(chunks: readonly Uint8Array[], stopBeforeEnd = false): Event[] {
  const events: Event[] = [];
  const decoder = createAwsEventStreamDecoder((data, event) => events.push([data, event]));
  for (const chunk of chunks) decoder.push(chunk);
  if (!stopBeforeEnd) decoder.end();
  return events;
}

function cut(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const at of [...cuts, bytes.length]) {
    chunks.push(bytes.subarray(start, at));
    start = at;
  }
  return chunks;
}

const concat = (...frames: Uint8Array[]) => new Uint8Array(Buffer.concat(frames));
const MULTI_BYTE = 'héllo ✓ 日本語 🌍 Ω';
const codec = new EventStreamCodec((b) => Buffer.from(b).toString('utf8'), (s) => Buffer.from(s, 'utf8'));

const BODY = concat(
  eventFrame('messageStart', { role: 'assistant' }),
  eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: MULTI_BYTE } }),
  eventFrame('metadata', { usage: { inputTokens: 3, outputTokens: 1 } }),
  exceptionFrame('throttlingException', { message: 'slow down' }),
  codec.encode({
    headers: { ':message-type': { type: 'string', value: 'error' }, ':error-code': { type: 'string', value: 'InternalFailure' }, ':error-message': { type: 'string', value: 'boom' } },
    body: new Uint8Array(0),
  }),
);
const EVENTS: Event[] = [
  ['{"role":"assistant"}', 'messageStart'],
  [`{"contentBlockIndex":0,"delta":{"text":"${MULTI_BYTE}"}}`, 'contentBlockDelta'],
  ['{"usage":{"inputTokens":3,"outputTokens":1}}', 'metadata'],
  ['{"message":"slow down"}', 'exception:throttlingException'],
  ['boom', 'error:InternalFailure'],
];

describe('AWS event-stream decoder', () => {
  it('decodes the same messages however the bytes are cut: once at every byte, randomly, one byte at a time', () => {
    for (const cuts of cutPlans(BODY.length, 30)) expect(decode(cut(BODY, cuts))).toEqual(EVENTS);
  });

  it('reads whole messages from views of the chunk, and a split length prefix too', () => {
    // Two messages in one chunk, then a chunk that ends two bytes into the next length prefix.
    const first = eventFrame('a', { n: 1 });
    const second = eventFrame('b', { n: 2 });
    const third = eventFrame('c', { n: 3 });
    const body = concat(first, second, third);
    const at = first.length + second.length + 2;
    expect(decode([body.subarray(0, at), body.subarray(at)])).toEqual([
      ['{"n":1}', 'a'],
      ['{"n":2}', 'b'],
      ['{"n":3}', 'c'],
    ]);
  });

  it('drops a message cut off by the end of the body, and keeps what came before', () => {
    const whole = eventFrame('messageStop', { stopReason: 'end_turn' });
    const body = concat(whole, eventFrame('metadata', { usage: {} }));
    expect(decode([body.subarray(0, body.length - 3)])).toEqual([['{"stopReason":"end_turn"}', 'messageStop']]);
  });

  it('stops at a checksum that does not match (the codec checks every message whose headers are new), without a throw, and reads nothing after it', () => {
    const good = eventFrame('a', {});
    const bad = eventFrame('b', {});
    bad[bad.length - 1] ^= 0xff;
    for (const cuts of cutPlans(good.length * 3, 5)) {
      expect(decode(cut(concat(good, bad, eventFrame('c', {})), cuts))).toEqual([['{}', 'a']]);
    }
  });

  it('reads a message whose header block repeats in place: the same events as the codec\'s decode of each', () => {
    const deltas = Array.from({ length: 50 }, (_, i) => eventFrame('contentBlockDelta', { contentBlockIndex: 0, delta: { text: `t${i}` } }));
    const body = concat(eventFrame('messageStart', {}), ...deltas, eventFrame('messageStart', {}));
    const byCodec = deltas.map((frame) => [Buffer.from(codec.decode(frame).body).toString('utf8'), 'contentBlockDelta']);
    for (const cuts of cutPlans(body.length, 10)) expect(decode(cut(body, cuts))).toEqual([['{}', 'messageStart'], ...byCodec, ['{}', 'messageStart']]);
  });

  it('stops at a length no message can have (not an event stream)', () => {
    expect(decode([new TextEncoder().encode('{"message":"this is JSON, not an event stream"}')])).toEqual([]);
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setUint32(0, 0xffff_fff0);
    expect(decode([huge, eventFrame('a', {})])).toEqual([]);
  });

  it('never throws: a throwing handler, non-byte input, pushes after end', () => {
    const seen: Event[] = [];
    const decoder = createAwsEventStreamDecoder((data, event) => {
      seen.push([data, event]);
      throw new Error('handler failure');
    });
    expect(() => {
      decoder.push(concat(eventFrame('a', {}), eventFrame('b', {})));
      decoder.end();
      decoder.push(eventFrame('late', {}));
      createAwsEventStreamDecoder(() => {}).push('not bytes' as unknown as Uint8Array);
      createAwsEventStreamDecoder(() => {}).push(42 as unknown as Uint8Array);
    }).not.toThrow();
    expect(seen).toEqual([
      ['{}', 'a'],
      ['{}', 'b'],
    ]);
  });

  it('ignores messages of a kind AWS does not define, and events without a type', () => {
    const odd = codec.encode({ headers: { ':message-type': { type: 'string', value: 'ping' } }, body: new Uint8Array(0) });
    const untyped = codec.encode({ headers: { ':message-type': { type: 'string', value: 'event' } }, body: Buffer.from('{}') });
    expect(decode([concat(odd, untyped, eventFrame('a', {}))])).toEqual([['{}', 'a']]);
  });
});
