// The text expositions: OpenMetrics 1.0 with exemplars (what Prometheus asks for), and the
// Prometheus 0.0.4 text format for every other scraper, from one writer. Two sources, one set of line
// writers: the SDK's collected metrics (the GPU gauges, the app's own, the HTTP instrumentations'),
// and the agent's own LLM instruments (series.ts), whose series each keep their text until they
// change, so a scrape rewrites only what was recorded since the last one. In pieces of a few series
// each, so the endpoint can let the event loop go between them. Format references: the
// OpenMetrics 1.0 specification, the Prometheus exposition formats page, and prom-client's
// OpenMetrics output for the exemplar suffix.
import { diag, type Attributes } from '@opentelemetry/api';
import {
  DataPointType,
  type DataPoint,
  type Histogram,
  type MetricData,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import type { Exemplar, ExemplarLookup } from './exemplars.js';
import { bucketLes, escape, escapeHelpText, exemplarSuffix, labelBody, labels, number } from './exposition-text.js';
import { prometheusFamily, type PrometheusFamily } from './prometheus-naming.js';
import type { Instrument, RenderedText } from './series.js';
import { instrumentFamily, instrumentSamples } from './series-exposition.js';

export { canonicalFloat, escape, EXEMPLAR_LABELS_MAX_CHARS } from './exposition-text.js';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

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
export function expositionText(pieces: Iterable<ExpositionPiece>): string {
  let text = '';
  for (const piece of pieces) text += typeof piece === 'string' ? piece : piece.bytes.toString('utf8', 0, piece.length);
  return text;
}

/** A piece of the exposition: text from the SDK's metrics, a series' kept bytes from the agent's own. */
export type ExpositionPiece = string | RenderedText;

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
    if (family.instrument) yield* instrumentSamples(family.instrument, openMetrics);
    for (const metric of family.metrics) yield* samples(family.name, metric, openMetrics ? exemplars : NO_EXEMPLARS);
  }
  if (openMetrics) yield '# EOF\n';
}

/** Data points per piece: a few kilobytes of text, well under a millisecond each. */
const POINTS_PER_PIECE = 16;

/**
 * Groups metrics by family name, as the SDK's serializer does, the agent's instruments first; a later
 * metric of another type is dropped.
 */
function collectFamilies(resourceMetrics: ResourceMetrics, instruments: readonly Instrument[]): Family[] {
  const families = new Map<string, Family>();
  for (const instrument of instruments) {
    if (instrument.series.size === 0) continue;
    const { name, unit, type } = instrumentFamily(instrument);
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

const braces = (body: string): string => (body === '' ? '' : `{${body}}`);

function counterLine(name: string, body: string, value: number, exemplar: Exemplar | undefined): string {
  return `${name}_total${braces(body)} ${number(value)}${exemplarSuffix(exemplar)}\n`;
}

function gaugeLine(name: string, body: string, value: number): string {
  return `${name}${braces(body)} ${number(value)}\n`;
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

