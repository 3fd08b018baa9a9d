// The text expositions: OpenMetrics 1.0 with exemplars (what Prometheus asks for), and the
// Prometheus 0.0.4 text format for every other scraper, from one writer. Two sources, one set of line
// writers: the SDK's collected metrics (the GPU gauges, the app's own, the HTTP instrumentations'),
// and the agent's own LLM instruments (series.ts), whose series each keep their text until they
// change, so a scrape rewrites only what was recorded since the last one. In pieces of a few series
// each, so the endpoint can let the event loop go between them. Format references: the
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
import { familyNaming, prometheusFamily, sanitizeName, type PrometheusFamily, type PrometheusType } from './prometheus-naming.js';
import type { Instrument, RenderedText, Series } from './series.js';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** OpenMetrics: the exemplar's label names and values together may hold at most 128 UTF-8 characters. */
export const EXEMPLAR_LABELS_MAX_CHARS = 128;

const NO_EXEMPLARS: ExemplarLookup = { exemplarsFor: () => undefined };

interface Family extends PrometheusFamily {
  help: string;
  /** The agent's own instrument of this name, written first; SDK metrics of the same name and type follow. */
  instrument?: Instrument;
  metrics: MetricData[];
}

export type ExpositionFormat = 'openmetrics' | 'text';

export function serializeOpenMetrics(resourceMetrics: ResourceMetrics, exemplars: ExemplarLookup = NO_EXEMPLARS): string {
  return expositionText(expositionPieces(resourceMetrics, 'openmetrics', exemplars));
}

/** Pieces as one string (the serializers' tests and the text-format entry point). */
export function expositionText(pieces: Iterable<string | Buffer>): string {
  let text = '';
  for (const piece of pieces) text += typeof piece === 'string' ? piece : piece.toString('utf8');
  return text;
}

/** A piece of the exposition: text from the SDK's metrics, kept bytes from the agent's series. */
export type ExpositionPiece = string | Buffer;

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
  instruments: readonly Instrument[] = [],
): Generator<ExpositionPiece> {
  const openMetrics = format === 'openmetrics';
  yield targetInfo(resourceMetrics.resource.attributes, openMetrics);
  for (const family of collectFamilies(resourceMetrics, instruments)) {
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
    if (family.instrument) yield* instrumentSamples(family.name, family.instrument, openMetrics);
    for (const metric of family.metrics) yield* samples(family.name, metric, openMetrics ? exemplars : NO_EXEMPLARS);
  }
  if (openMetrics) yield '# EOF\n';
}

/** Data points per piece: a few kilobytes of text, well under a millisecond each. */
const POINTS_PER_PIECE = 16;

const INSTRUMENT_TYPES: Readonly<Record<Instrument['spec']['kind'], PrometheusType>> = {
  counter: 'counter',
  upDownCounter: 'gauge',
  histogram: 'histogram',
};

/** An instrument's family and bucket labels, worked out once. */
interface InstrumentExposition extends PrometheusFamily {
  les: readonly string[];
}
const instrumentExpositions = new WeakMap<Instrument, InstrumentExposition>();

function instrumentExposition(instrument: Instrument): InstrumentExposition {
  let exposition = instrumentExpositions.get(instrument);
  if (exposition === undefined) {
    const { spec } = instrument;
    const family = familyNaming(spec.name, spec.unit, INSTRUMENT_TYPES[spec.kind]);
    exposition = { ...family, les: instrument.boundaries ? bucketLes(instrument.boundaries) : [] };
    instrumentExpositions.set(instrument, exposition);
  }
  return exposition;
}

/**
 * Groups metrics by family name, as the SDK's serializer does, the agent's instruments first; a later
 * metric of another type is dropped.
 */
function collectFamilies(resourceMetrics: ResourceMetrics, instruments: readonly Instrument[]): Family[] {
  const families = new Map<string, Family>();
  for (const instrument of instruments) {
    if (instrument.series.size === 0) continue;
    const { name, unit, type } = instrumentExposition(instrument);
    families.set(name, { name, unit, type, help: instrument.spec.description, instrument, metrics: [] });
  }
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
      switch (metric.dataPointType) {
        case DataPointType.SUM:
          out += metric.isMonotonic
            ? counterLine(name, body, point.value as number, exemplars.exemplarsFor(instrument, point.attributes)?.get(0))
            : gaugeLine(name, body, point.value as number);
          break;
        case DataPointType.GAUGE:
          out += gaugeLine(name, body, point.value as number);
          break;
        case DataPointType.HISTOGRAM: {
          const { buckets, count, sum } = (point as DataPoint<Histogram>).value;
          out += histogramLines(name, body, bucketLes(buckets.boundaries), buckets.counts, count, sum, exemplars.exemplarsFor(instrument, point.attributes));
          break;
        }
      }
    }
    yield out;
  }
}

/** The agent's instrument's series, each from its kept bytes unless it changed since they were written. */
function* instrumentSamples(name: string, instrument: Instrument, openMetrics: boolean): Generator<Buffer> {
  const exposition = instrumentExposition(instrument);
  for (const series of instrument.series.values()) {
    let kept = openMetrics ? series.openMetricsText : series.plainText;
    if (kept === undefined || kept.version !== series.version) {
      const text = seriesLines(name, exposition, series, openMetrics);
      const length = Buffer.byteLength(text);
      if (kept === undefined || kept.bytes.length < length) {
        // Room for the counts to gain digits before the buffer must be replaced.
        kept = { version: 0, bytes: Buffer.allocUnsafe(length + (length >> 3) + 16), length: 0 };
        if (openMetrics) series.openMetricsText = kept;
        else series.plainText = kept;
      }
      kept.length = kept.bytes.write(text, 0);
      kept.version = series.version;
    }
    yield kept.bytes.subarray(0, kept.length);
  }
}

/**
 * The text as one flat string. V8 keeps a concatenation as a tree of its parts, and every later
 * concatenation that includes it walks that tree again when it is encoded; a label text used on
 * every line of a series, or an exemplar's on every scrape, made encoding the series three times
 * slower.
 */
function flat(text: string): string {
  return Buffer.from(text).toString();
}

function seriesLines(name: string, exposition: InstrumentExposition, series: Series, openMetrics: boolean): string {
  const body = (series.labelText ??= flat(labelBody(series.attributes)));
  const exemplars = openMetrics ? series.exemplars : undefined;
  switch (exposition.type) {
    case 'counter':
      return counterLine(name, body, series.value, exemplars?.get(0));
    case 'histogram':
      return histogramLines(name, body, exposition.les, series.counts!, series.count, series.sum, exemplars);
    default:
      return gaugeLine(name, body, series.value);
  }
}

const braces = (body: string): string => (body === '' ? '' : `{${body}}`);

function counterLine(name: string, body: string, value: number, exemplar: Exemplar | undefined): string {
  return `${name}_total${braces(body)} ${number(value)}${exemplarSuffix(exemplar)}\n`;
}

function gaugeLine(name: string, body: string, value: number): string {
  return `${name}${braces(body)} ${number(value)}\n`;
}

/** `le` texts by boundary list, kept: every series of an instrument shares its boundaries. */
const lesByBoundaries = new WeakMap<readonly number[], readonly string[]>();

function bucketLes(boundaries: readonly number[]): readonly string[] {
  let les = lesByBoundaries.get(boundaries);
  if (les === undefined) lesByBoundaries.set(boundaries, (les = [...boundaries.map(canonicalFloat), '+Inf']));
  return les;
}

function histogramLines(
  name: string,
  body: string,
  les: readonly string[],
  counts: readonly number[],
  count: number,
  sum: number | undefined,
  exemplars: ReadonlyMap<number, Exemplar> | undefined,
): string {
  const braced = braces(body);
  const bucketLabels = body === '' ? '{le="' : `{${body},le="`;
  let out = '';
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    out += `${name}_bucket${bucketLabels}${les[i]}"} ${cumulative}${exemplarSuffix(exemplars?.get(i))}\n`;
  }
  out += `${name}_count${braced} ${count}\n`;
  if (sum !== undefined) out += `${name}_sum${braced} ${number(sum)}\n`;
  return out;
}

/** An exemplar's text, kept on the exemplar: the reservoir holds it across scrapes until it is replaced. */
function exemplarSuffix(exemplar: Exemplar | undefined): string {
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
