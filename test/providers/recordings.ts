// Test helpers: load a provider recording and replay its body through a decoder and a parser,
// cut into chunks at chosen points, the way the transport tap will feed them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createStreamReader, type StreamReaderOptions } from '../../agent/providers/stream-reader.js';
import { emptyResponseFacts, type OutgoingRequest, type ParseOptions, type ProviderParser, type ResponseFacts, type StreamFormat } from '../../agent/providers/types.js';
import { seededRandom } from '../../demo/seeded-random.js';

export interface Recording {
  source: string;
  license: string;
  /** body: null where the source kept only the response (a stream's chunks). */
  request: { method: string; url: string; body: Record<string, unknown> | null };
  response: { status: number; content_type: string; body: string };
}

const FIXTURES = join(import.meta.dirname, '../fixtures/provider-recordings');

export function loadRecording(file: string): Recording {
  return JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as Recording;
}

/** A recording whose body is binary (Bedrock's AWS event streams): `response.body_base64` instead of `body`. */
export interface BinaryRecording extends Omit<Recording, 'response'> {
  response: { status: number; content_type: string; body_base64: string };
}

/** Loads a binary recording and its body's bytes, exactly as sent. */
export function loadBinaryRecording(file: string): { recording: BinaryRecording; bytes: Uint8Array } {
  const recording = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as BinaryRecording;
  if (typeof recording.response.body_base64 !== 'string') throw new Error(`${file} has no body_base64`);
  return { recording, bytes: new Uint8Array(Buffer.from(recording.response.body_base64, 'base64')) };
}

/** Cuts at the boundaries of an AWS event stream's messages (by their length prefixes): one whole message per chunk. */
export function messageBoundaryCuts(bytes: Uint8Array): number[] {
  const cuts: number[] = [];
  for (let at = 0; at + 4 <= bytes.length; ) {
    at += Buffer.from(bytes.buffer, bytes.byteOffset + at, 4).readUInt32BE(0);
    if (at < bytes.length) cuts.push(at);
  }
  return cuts;
}

export function outgoingRequestOf(recording: Pick<Recording, 'request'>): OutgoingRequest {
  const url = new URL(recording.request.url);
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  return { method: recording.request.method, host: url.hostname, port, path: url.pathname };
}

export interface Replay {
  facts: ResponseFacts;
  contentEvents: number;
  /** Events the parser's readEvent parsed. */
  parsed: number;
  /** Events the declared fast path settled without a parse (whole ones from their raw bytes, never decoded). */
  settled: number;
}

/** Decodes `bytes` cut at `cuts` (ascending byte offsets) and reads every event, through the reader the recorder uses. */
export function replay(
  parser: ProviderParser,
  format: StreamFormat,
  bytes: Uint8Array,
  cuts: readonly number[],
  options: ParseOptions = { captureContent: false },
  readerOptions: StreamReaderOptions = {},
): Replay {
  const run = (fastPath: boolean) => {
    const facts = emptyResponseFacts();
    const counts = { contentEvents: 0, parsed: 0 };
    const counted: ProviderParser = {
      ...parser,
      readEvent: (data, event, f, o) => {
        counts.parsed++;
        return parser.readEvent(data, event, f, o);
      },
    };
    const decoder = createStreamReader(format, counted, facts, options, () => counts.contentEvents++, { ...readerOptions, fastPath });
    let start = 0;
    for (const cut of [...cuts, bytes.length]) {
      decoder.push(bytes.subarray(start, cut));
      start = cut;
    }
    decoder.end();
    return { facts, ...counts };
  };
  const result = run(readerOptions.fastPath !== false);
  // Every event, as a full parse reads them: those the fast path did not send to readEvent were settled.
  const all = run(false).parsed;
  return { ...result, settled: all - result.parsed };
}

/** Every way to cut the body once (small bodies), then `randomRuns` sets of many random cuts. */
export function cutPlans(length: number, randomRuns: number, seed = 42): number[][] {
  const plans: number[][] = [[]];
  if (length <= 16 * 1024) for (let cut = 1; cut < length; cut++) plans.push([cut]);
  const random = seededRandom(seed);
  for (let run = 0; run < randomRuns; run++) {
    const cuts: number[] = [];
    for (let at = 1 + Math.floor(random() * 40); at < length; at += 1 + Math.floor(random() * 80)) cuts.push(at);
    plans.push(cuts);
  }
  plans.push(Array.from({ length: Math.max(0, length - 1) }, (_, i) => i + 1)); // one byte at a time
  return plans;
}

/** Cuts after every blank line: one whole event per chunk, as providers write them. */
export function eventBoundaryCuts(bytes: Uint8Array): number[] {
  const cuts: number[] = [];
  for (let i = 1; i < bytes.length - 1; i++) if (bytes[i] === 10 && bytes[i - 1] === 10) cuts.push(i + 1);
  return cuts;
}

/** The SSE events of a recorded body, read naively (the recordings use plain `\n` framing). */
export function naiveSseEvents(body: string): { event?: string; data: string }[] {
  const events: { event?: string; data: string }[] = [];
  for (const block of body.split('\n\n')) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length > 0) events.push({ event, data: data.join('\n') });
  }
  return events;
}
