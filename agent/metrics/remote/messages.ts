// What a worker (a worker thread, or a cluster worker process) tells the side that records its model
// calls: one message when a call is counted in flight, one when it ends (its facts, and its span as
// exemplar when the worker marked it), one when a call in flight will never end (a worker it relayed
// for died). Plain data, so a structured clone (MessagePort) and JSON (cluster IPC) carry it alike.
//
// The reader trusts nothing: a message comes from another thread or process, possibly running
// another version of the agent. Anything that is not exactly this shape is ignored, and only the
// known fields are copied, so nothing unexpected reaches the instruments.
import type { CallFacts, CallLabels } from '../call-facts.js';
import type { ExemplarRef } from '../call-sink.js';

export type CallMessage =
  | { k: 'start'; id: number; labels: CallLabels }
  | { k: 'end'; id?: number; facts: CallFacts; exemplar?: ExemplarRef }
  | { k: 'drop'; id: number };

/**
 * Between a worker thread and the main thread, the other way too: the main thread's agent, shutting
 * down, asks each worker to export the spans it still holds (they may be exemplars already), and
 * waits for the answer.
 */
export type FlushMessage = { k: 'flush' } | { k: 'flushed' };

export const isFlushMessage = (value: unknown, k: FlushMessage['k']): boolean =>
  typeof value === 'object' && value !== null && (value as { k?: unknown }).k === k;

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null;
const isId = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);
const optionalText = (value: unknown): value is string | undefined => value === undefined || (typeof value === 'string' && value !== '');
const optionalAmount = (value: unknown): value is number | undefined =>
  value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0);

function readLabels(value: unknown): CallLabels | undefined {
  if (!isObject(value)) return undefined;
  const { requestModel, responseModel, provider, operation, serviceName, errorType } = value;
  if (typeof provider !== 'string' || typeof operation !== 'string' || typeof serviceName !== 'string') return undefined;
  if (!optionalText(requestModel) || !optionalText(responseModel) || !optionalText(errorType)) return undefined;
  return { requestModel, responseModel, provider, operation, serviceName, errorType };
}

function readFacts(value: unknown): CallFacts | undefined {
  const labels = readLabels(value);
  if (!labels) return undefined;
  const { durationS, firstChunkS, timePerChunkS, inputTokens, outputTokens } = value as Fields;
  if (typeof durationS !== 'number' || !(durationS >= 0) || !Number.isFinite(durationS)) return undefined;
  if (!optionalAmount(firstChunkS) || !optionalAmount(timePerChunkS) || !optionalAmount(inputTokens) || !optionalAmount(outputTokens)) return undefined;
  return { ...labels, durationS, firstChunkS, timePerChunkS, inputTokens, outputTokens };
}

const HEX = /^[0-9a-f]+$/;

function readExemplar(value: unknown): ExemplarRef | undefined {
  if (!isObject(value)) return undefined;
  const { traceId, spanId, timestampMs } = value;
  if (typeof traceId !== 'string' || traceId.length !== 32 || !HEX.test(traceId)) return undefined;
  if (typeof spanId !== 'string' || spanId.length !== 16 || !HEX.test(spanId)) return undefined;
  if (typeof timestampMs !== 'number' || !Number.isFinite(timestampMs)) return undefined;
  return { traceId, spanId, timestampMs };
}

/** The message, re-built from its known fields; undefined for anything else. */
export function readCallMessage(value: unknown): CallMessage | undefined {
  if (!isObject(value)) return undefined;
  switch (value.k) {
    case 'start': {
      const labels = readLabels(value.labels);
      return isId(value.id) && labels ? { k: 'start', id: value.id, labels } : undefined;
    }
    case 'end': {
      const facts = readFacts(value.facts);
      if (!facts || (value.id !== undefined && !isId(value.id))) return undefined;
      const exemplar = value.exemplar === undefined ? undefined : readExemplar(value.exemplar);
      return { k: 'end', id: value.id, facts, exemplar };
    }
    case 'drop':
      return isId(value.id) ? { k: 'drop', id: value.id } : undefined;
    default:
      return undefined;
  }
}
