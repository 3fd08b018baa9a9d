// Draws one trace as a tree with a small waterfall, as a trace viewer would show it: each span's
// name, kind, duration and place in time, and the GenAI attributes that explain it.
import {
  ERROR_TYPE,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_FINISH_REASONS,
  GEN_AI_RESPONSE_MODEL,
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  HTTP_RESPONSE_STATUS_CODE,
  LLM_TIME_PER_OUTPUT_CHUNK_MEAN,
} from '../agent/semconv.js';
import type { ReceivedSpan, SpanAttributeValue } from './otlp-receiver.js';

/** The attributes shown under a span, in this order, when it has them. */
export const SHOWN_ATTRIBUTES: readonly string[] = [
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_MODEL,
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  LLM_TIME_PER_OUTPUT_CHUNK_MEAN,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_RESPONSE_FINISH_REASONS,
  HTTP_RESPONSE_STATUS_CODE,
  ERROR_TYPE,
];

/** Attributes measured in seconds, printed with their unit. */
const SECONDS_ATTRIBUTES = new Set([GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, LLM_TIME_PER_OUTPUT_CHUNK_MEAN]);

const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
const BAR_WIDTH = 24;

function milliseconds(ns: bigint): number {
  return Number(ns) / 1e6;
}

export function formatDuration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`;
}

function formatValue(key: string, value: SpanAttributeValue): string {
  if (SECONDS_ATTRIBUTES.has(key) && typeof value === 'number') return formatDuration(value * 1000);
  return Array.isArray(value) ? value.join(',') : String(value);
}

const WAITING = '░';
const BUSY = '█';
/** Explains the waterfall's two shades. */
export const WATERFALL_LEGEND = `${WAITING} waiting for the first chunk   ${BUSY} running / streaming`;

/**
 * Where the span lies within the trace, e.g. `|   ░░░░██████  |`: a model call is shaded light
 * until its first chunk arrived, so the time to first token is visible at a glance.
 */
function waterfall(span: ReceivedSpan, traceStart: bigint, traceMs: number): string {
  const spanMs = milliseconds(span.endNs - span.startNs);
  const offset = traceMs > 0 ? Math.floor((milliseconds(span.startNs - traceStart) / traceMs) * BAR_WIDTH) : 0;
  const length = traceMs > 0 ? Math.round((spanMs / traceMs) * BAR_WIDTH) : BAR_WIDTH;
  const start = Math.min(offset, BAR_WIDTH - 1);
  const filled = Math.max(1, Math.min(length, BAR_WIDTH - start));
  const firstChunkS = span.attributes[GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK];
  const waiting = typeof firstChunkS === 'number' && spanMs > 0 ? Math.min(filled, Math.round((firstChunkS * 1000 * filled) / spanMs)) : 0;
  return `|${' '.repeat(start)}${WAITING.repeat(waiting)}${BUSY.repeat(filled - waiting)}${' '.repeat(BAR_WIDTH - start - filled)}|`;
}

/**
 * The trace's spans as indented lines. Spans whose parent is not among them (a parent in another
 * service, or not yet exported) are drawn as roots.
 */
export function renderSpanTree(spans: readonly ReceivedSpan[]): string[] {
  if (spans.length === 0) return [];
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string | undefined, ReceivedSpan[]>();
  for (const span of spans) {
    const parent = span.parentSpanId !== undefined && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  for (const list of children.values()) list.sort((a, b) => (a.startNs < b.startNs ? -1 : a.startNs > b.startNs ? 1 : 0));

  const traceStart = spans.reduce((min, span) => (span.startNs < min ? span.startNs : min), spans[0]!.startNs);
  const traceEnd = spans.reduce((max, span) => (span.endNs > max ? span.endNs : max), spans[0]!.endNs);
  const traceMs = milliseconds(traceEnd - traceStart);
  const labelWidth = Math.max(...spans.map((span) => span.name.length)) + 3 * depthOf(spans) + 2;

  const lines: string[] = [];
  const draw = (span: ReceivedSpan, branch: string, indent: string) => {
    const label = `${branch}${span.name}`.padEnd(labelWidth);
    const kind = (SPAN_KINDS[span.kind] ?? 'unspecified').padEnd(8);
    const status = span.statusCode === 2 ? '  ERROR' : '';
    lines.push(`${label} ${kind} ${formatDuration(milliseconds(span.endNs - span.startNs)).padStart(9)}  ${waterfall(span, traceStart, traceMs)}${status}`);
    const shown = SHOWN_ATTRIBUTES.filter((key) => span.attributes[key] !== undefined);
    const below = children.get(span.spanId) ?? [];
    const attributeIndent = `${indent}${below.length > 0 ? '│  ' : '   '}`;
    for (const key of shown) lines.push(`${attributeIndent}${key} = ${formatValue(key, span.attributes[key]!)}`);
    below.forEach((child, i) => {
      const last = i === below.length - 1;
      draw(child, `${indent}${last ? '└─ ' : '├─ '}`, `${indent}${last ? '   ' : '│  '}`);
    });
  };
  for (const root of children.get(undefined) ?? []) draw(root, '', '');
  return lines;
}

/** Depth of the deepest span, for the width of the name column. */
function depthOf(spans: readonly ReceivedSpan[]): number {
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  let deepest = 0;
  for (const span of spans) {
    let depth = 0;
    for (let parent = span.parentSpanId; parent !== undefined && byId.has(parent) && depth < spans.length; depth++) {
      parent = byId.get(parent)!.parentSpanId;
    }
    deepest = Math.max(deepest, depth);
  }
  return deepest;
}
