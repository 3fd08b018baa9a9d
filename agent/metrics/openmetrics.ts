// The text expositions of the SDK's collected metrics: OpenMetrics 1.0 with exemplars (what
// Prometheus asks for), and the Prometheus 0.0.4 text format for every other scraper, from one
// writer. A pure function of the collected ResourceMetrics and an exemplar lookup, in pieces of a few
// series each so the endpoint can let the event loop go between them. Format references: the
// OpenMetrics 1.0 specification, the Prometheus exposition formats page, and prom-client's
// OpenMetrics output for the exemplar suffix.
import { diag, type Attributes, type AttributeValue } from '@opentelemetry/api';
import {
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Exemplar, ExemplarLookup } from './exemplars.js';
import { prometheusFamily, sanitizeName, type PrometheusFamily } from './prometheus-naming.js';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** OpenMetrics: the exemplar's label names and values together may hold at most 128 UTF-8 characters. */
export const EXEMPLAR_LABELS_MAX_CHARS = 128;

const NO_EXEMPLARS: ExemplarLookup = { exemplarsFor: () => undefined };

interface Family extends PrometheusFamily {
  help: string;
  metrics: MetricData[];
}

export type ExpositionFormat = 'openmetrics' | 'text';

export function serializeOpenMetrics(resourceMetrics: ResourceMetrics, exemplars: ExemplarLookup = NO_EXEMPLARS): string {
  return [...expositionPieces(resourceMetrics, 'openmetrics', exemplars)].join('');
}

/**
 * The exposition in pieces of a few data points each, so a large one (a thousand label sets) can be
 * written with the event loop let go between pieces (endpoint.ts) instead of held for the whole.
 * The 0.0.4 text format differs only in its comments (HELP and TYPE, no UNIT, a counter's TYPE
 * named with `_total`), target_info's TYPE, no exemplars and no `# EOF`.
 */
export function* expositionPieces(
  resourceMetrics: ResourceMetrics,
  format: ExpositionFormat,
  exemplars: ExemplarLookup = NO_EXEMPLARS,
): Generator<string> {
  const openMetrics = format === 'openmetrics';
  yield targetInfo(resourceMetrics.resource.attributes, openMetrics);
  for (const family of collectFamilies(resourceMetrics)) {
    let head: string;
    if (openMetrics) {
      head = `# TYPE ${family.name} ${family.type}\n`;
      if (family.unit !== '') head += `# UNIT ${family.name} ${family.unit}\n`;
      if (family.help !== '') head += `# HELP ${family.name} ${escape(family.help)}\n`;
    } else {
      const name = family.type === 'counter' ? `${family.name}_total` : family.name;
      head = family.help === '' ? '' : `# HELP ${name} ${escapeHelpText(family.help)}\n`;
      head += `# TYPE ${name} ${family.type}\n`;
    }
    yield head;
    for (const metric of family.metrics) yield* samples(family.name, metric, openMetrics ? exemplars : NO_EXEMPLARS);
  }
  if (openMetrics) yield '# EOF\n';
}

/** Data points per piece: a few kilobytes of text, well under a millisecond each. */
const POINTS_PER_PIECE = 16;

/** Groups metrics by family name, as the SDK's serializer does; a later metric of another type is dropped. */
function collectFamilies(resourceMetrics: ResourceMetrics): Family[] {
  const families = new Map<string, Family>();
  for (const { metrics } of resourceMetrics.scopeMetrics) {
    for (const metric of metrics) {
      const naming = prometheusFamily(metric);
      if (naming.type === 'unsupported') {
        diag.debug(`OpenMetrics: skipping ${metric.descriptor.name}, an exponential histogram`);
        continue;
      }
      const family = families.get(naming.name);
      if (!family) {
        families.set(naming.name, { ...naming, help: metric.descriptor.description, metrics: [metric] });
      } else if (family.type === naming.type) {
        family.metrics.push(metric);
      } else {
        diag.warn(`OpenMetrics: ${metric.descriptor.name} is a ${naming.type}, ${family.name} a ${family.type}; dropped`);
      }
    }
  }
  return [...families.values()];
}

function targetInfo(resource: Attributes, openMetrics: boolean): string {
  if (Object.keys(resource).length === 0) return '';
  const head = openMetrics ? '# TYPE target info\n# HELP target Target metadata\n' : '# HELP target_info Target metadata\n# TYPE target_info gauge\n';
  return `${head}target_info${labels(resource)} 1\n`;
}

function* samples(name: string, metric: MetricData, exemplars: ExemplarLookup): Generator<string> {
  const instrument = metric.descriptor.name;
  const points = metric.dataPoints as DataPoint<unknown>[];
  for (let start = 0; start < points.length; start += POINTS_PER_PIECE) {
    let out = '';
    for (const point of points.slice(start, start + POINTS_PER_PIECE)) {
      // Each series' label text is built once, however many lines (buckets) it has.
      const body = labelBody(point.attributes);
      const braced = body === '' ? '' : `{${body}}`;
      switch (metric.dataPointType) {
        case DataPointType.SUM: {
          const value = point.value as number;
          const suffix = metric.isMonotonic ? '_total' : '';
          const exemplar = metric.isMonotonic ? exemplars.exemplarsFor(instrument, point.attributes)?.get(0) : undefined;
          out += `${name}${suffix}${braced} ${number(value)}${exemplarSuffix(exemplar)}\n`;
          break;
        }
        case DataPointType.GAUGE:
          out += `${name}${braced} ${number(point.value as number)}\n`;
          break;
        case DataPointType.HISTOGRAM:
          out += histogram(name, instrument, point as DataPoint<Histogram>, body, braced, exemplars);
          break;
      }
    }
    yield out;
  }
}

function histogram(name: string, instrument: string, point: DataPoint<Histogram>, body: string, braced: string, exemplars: ExemplarLookup): string {
  const { boundaries, counts } = point.value.buckets;
  let out = '';
  const seriesExemplars = exemplars.exemplarsFor(instrument, point.attributes);
  const bucketLabels = body === '' ? '{le="' : `{${body},le="`;
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    const le = i < boundaries.length ? canonicalFloat(boundaries[i]!) : '+Inf';
    const exemplar = seriesExemplars?.get(i);
    out += `${name}_bucket${bucketLabels}${le}"} ${cumulative}${exemplarSuffix(exemplar)}\n`;
  }
  out += `${name}_count${braced} ${point.value.count}\n`;
  if (point.value.sum !== undefined) out += `${name}_sum${braced} ${number(point.value.sum)}\n`;
  return out;
}

/** An exemplar's text, kept with the exemplar: the reservoir holds it across scrapes until it is replaced. */
const exemplarTexts = new WeakMap<Exemplar, string>();

function exemplarSuffix(exemplar: Exemplar | undefined): string {
  if (!exemplar) return '';
  let text = exemplarTexts.get(exemplar);
  if (text === undefined) {
    let chars = 0;
    for (const [key, value] of Object.entries(exemplar.labels)) chars += codePoints(key) + codePoints(value);
    text = chars > EXEMPLAR_LABELS_MAX_CHARS ? '' : ` # ${labels(exemplar.labels) || '{}'} ${number(exemplar.value)} ${exemplar.timestampMs / 1000}`;
    exemplarTexts.set(exemplar, text);
  }
  return text;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 characters, as OpenMetrics counts them; trace and span ids are ASCII, counted without a copy. */
function codePoints(text: string): number {
  return NON_ASCII.test(text) ? [...text].length : text.length;
}

function labels(attributes: Attributes): string {
  const body = labelBody(attributes);
  return body === '' ? '' : `{${body}}`;
}

/** `name="value",…` of a label set, without the braces. */
function labelBody(attributes: Attributes): string {
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
function escapeHelpText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** OpenMetrics escapes backslash, double quote and line feed in label values and HELP text. */
export function escape(text: string): string {
  // Most label values need nothing: one test instead of three replacements.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function number(value: number): string {
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
