// The text pieces both exposition writers share (openmetrics.ts for the SDK's collected metrics,
// series-exposition.ts for the agent's own series): label text and its escaping, numbers, `le`
// values and exemplar suffixes, as the OpenMetrics 1.0 specification and the Prometheus exposition
// formats page write them.
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { Exemplar } from './exemplars.js';
import { sanitizeName } from './prometheus-naming.js';

/** OpenMetrics: the exemplar's label names and values together may hold at most 128 UTF-8 characters. */
export const EXEMPLAR_LABELS_MAX_CHARS = 128;

/**
 * The text as one flat string. V8 keeps a concatenation as a tree of its parts, and every later
 * concatenation that includes it walks that tree again when it is encoded; an exemplar's text used at
 * every scrape made encoding a series three times slower.
 */
export function flat(text: string): string {
  return Buffer.from(text).toString();
}

/** An exemplar's text, kept on the exemplar: the reservoir holds it across scrapes until it is replaced. */
export function exemplarSuffix(exemplar: Exemplar | undefined): string {
  if (!exemplar) return '';
  if (exemplar.text === undefined) {
    let chars = 0;
    for (const [key, value] of Object.entries(exemplar.labels)) chars += codePoints(key) + codePoints(value);
    exemplar.text =
      chars > EXEMPLAR_LABELS_MAX_CHARS ? '' : flat(` # ${labels(exemplar.labels) || '{}'} ${number(exemplar.value)} ${exemplar.timestampMs / 1000}`);
  }
  return exemplar.text;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 characters, as OpenMetrics counts them; trace and span ids are ASCII, counted without a copy. */
function codePoints(text: string): number {
  return NON_ASCII.test(text) ? [...text].length : text.length;
}

export function labels(attributes: Attributes): string {
  const body = labelBody(attributes);
  return body === '' ? '' : `{${body}}`;
}

/** `name="value",…` of a label set, without the braces. */
export function labelBody(attributes: Attributes): string {
  let body = '';
  for (const key in attributes) {
    const pair = `${sanitizeName(key)}="${escape(stringValue(attributes[key]))}"`;
    body = body === '' ? pair : `${body},${pair}`;
  }
  return body;
}

/** As the SDK's serializer: strings as they are, anything else JSON-encoded. */
function stringValue(value: AttributeValue | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

const NEEDS_ESCAPE = /[\\"\n]/;

/** The 0.0.4 format escapes only backslash and line feed in HELP text. */
export function escapeHelpText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** OpenMetrics escapes backslash, double quote and line feed in label values and HELP text. */
export function escape(text: string): string {
  // Most label values need nothing: one test instead of three replacements.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

export function number(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/**
 * OpenMetrics wants `le` in canonical float form, so integral boundaries gain `.0` (`le="1.0"`), as
 * the Go client writes them and as Prometheus 3 normalises both formats.
 */
export function canonicalFloat(value: number): string {
  if (value === Infinity) return '+Inf';
  return Number.isInteger(value) && Math.abs(value) < 1e21 ? value.toFixed(1) : String(value);
}

/** `le` texts by boundary list, kept: every series of an instrument shares its boundaries. */
const lesByBoundaries = new WeakMap<readonly number[], readonly string[]>();

export function bucketLes(boundaries: readonly number[]): readonly string[] {
  let les = lesByBoundaries.get(boundaries);
  if (les === undefined) lesByBoundaries.set(boundaries, (les = [...boundaries.map(canonicalFloat), '+Inf']));
  return les;
}
