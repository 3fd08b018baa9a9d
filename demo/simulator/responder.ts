// The one place that turns a planned response into writes on the schedule, for every wire format:
// delays, chunk pacing, simulated failures and the call record's timings.
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { type Frame, type FrameEncoding, JSON_CONTENT_TYPE, breakFrame } from './encoding.js';
import { epochNow } from './generation.js';
import { type ErrorStatus, PROVIDERS, errorBody } from './providers.js';
import type { SimCallRecord, SimProvider, SimSchedule } from './types.js';
import type { StreamPlan } from './wire-format.js';
import type { ResponseWriter } from './writer.js';

/** One call being answered. */
export interface Call {
  res: ServerResponse;
  writer: ResponseWriter;
  record: SimCallRecord;
  schedule: SimSchedule;
  /** Headers every response of this call carries (request ids). */
  headers: OutgoingHttpHeaders;
  /** Told once, right after the first content write (the engine's time to first token). */
  onFirstContent?: () => void;
}

/** Seconds a simulated 429 asks the client to wait. */
const RETRY_AFTER_SECONDS = 1;

function writeHead(call: Call, status: number, headers: OutgoingHttpHeaders): void {
  call.record.status = status;
  call.res.writeHead(status, { ...call.headers, ...headers });
}

/** Records a content write carrying `tokens` generated tokens (0 for replayed frames). */
function contentWritten(call: Call, tokens: number): void {
  const { record } = call;
  record.chunks++;
  record.outputTokens += tokens;
  if (record.firstContentWrittenAt === null) {
    record.firstContentWrittenAt = epochNow();
    call.onFirstContent?.();
  }
}

export function sendError(call: Call, provider: SimProvider, status: ErrorStatus, message?: string): void {
  const body = JSON.stringify(errorBody(provider, status, call.record.id, message));
  writeHead(call, status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(body),
    ...(status === 429 ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {}),
    ...PROVIDERS[provider].errorHeaders?.(status),
  });
  call.writer.end(body);
}

export interface FramedResponse {
  status: number;
  contentType: string;
  encoding: FrameEncoding;
  plan: StreamPlan;
  /** Generated tokens in each content frame: 1 for generated plans, 0 for replayed recordings. */
  tokensPerFrame: number;
  /** The provider's in-stream error, given how many frames were written before it. */
  midstreamError(framesWritten: number): Frame;
}

/** Streams: head at once, content chunks on the schedule, then the tail (or the simulated failure). */
export async function sendFrames(call: Call, response: FramedResponse): Promise<void> {
  const { writer, schedule } = call;
  const { plan } = response;
  writeHead(call, response.status, {
    'content-type': response.contentType,
    'cache-control': 'no-cache',
    // HTTP/2 has no connection-level headers (Node warns and drops them).
    ...(writer.http2 ? {} : { connection: 'keep-alive' }),
  });
  // Headers go out now, whatever follows, so the client sees the response start at once.
  call.res.flushHeaders();
  if (schedule.error === 'hang') return writer.closed();

  const write = async (frame: string | Uint8Array): Promise<void> => {
    await writer.write(frame, schedule.splitUtf8);
    if (schedule.separateWrites) await writer.nextTurn();
  };
  for (const frame of plan.head) await write(frame);
  if (schedule.error === 'malformed') {
    await writer.pause(schedule.firstChunkMs);
    const victim = plan.content[0] ?? plan.tail()[0];
    return writer.end(victim === undefined ? undefined : breakFrame(victim, response.encoding));
  }

  const failsHalfway = schedule.error === 'truncate' || schedule.error === 'midstream';
  const contentToWrite = failsHalfway ? Math.floor(plan.content.length / 2) : plan.content.length;
  for (let i = 0; i < contentToWrite; i++) {
    await writer.pause(i === 0 ? schedule.firstChunkMs : schedule.intervalMs);
    if (writer.gone) return;
    await write(plan.content[i]!);
    contentWritten(call, response.tokensPerFrame);
  }

  if (schedule.error === 'truncate') {
    // A binary stream frames by length, so it is cut inside its next frame: a cut between whole
    // frames would read as a complete stream.
    const next = plan.content[contentToWrite] ?? plan.tail()[0];
    if (typeof next !== 'string' && next !== undefined) await writer.write(next.subarray(0, Math.floor(next.length / 2)));
    return writer.cut();
  }
  if (schedule.error === 'midstream') {
    return writer.end(response.midstreamError(plan.head.length + contentToWrite));
  }
  for (const frame of plan.tail()) await write(frame);
  writer.end();
}

/**
 * Non-streamed bodies: written whole once the schedule's generation time has passed
 * (first chunk delay plus the intervals between the chunks a stream would have had).
 * `tokens` is the generated tokens the body carries (0 for a replayed recording).
 */
export async function sendWhole(
  call: Call,
  status: number,
  contentType: string,
  buildBody: () => string | Uint8Array,
  tokens = 0,
): Promise<void> {
  const { writer, schedule } = call;
  // Without a stream, 'hang' sends nothing at all, not even headers.
  if (schedule.error === 'hang') return writer.closed();
  await writer.pause(schedule.firstChunkMs + schedule.intervalMs * Math.max(0, schedule.chunks - 1));
  if (writer.gone) return;

  // Built only now, so bodies that report durations (Ollama) include the wait.
  const built = buildBody();
  const bytes = typeof built === 'string' ? Buffer.from(built) : Buffer.from(built.buffer, built.byteOffset, built.byteLength);
  const half = bytes.subarray(0, Math.floor(bytes.length / 2));
  const malformed = schedule.error === 'malformed';
  writeHead(call, status, {
    'content-type': contentType,
    // truncate announces the whole length and then sends half: the client sees a premature close.
    'content-length': malformed ? half.length : bytes.length,
  });
  if (schedule.error === 'truncate') {
    await writer.write(half);
    contentWritten(call, tokens);
    return writer.cut();
  }
  writer.end(malformed ? half : bytes);
  contentWritten(call, tokens);
}
