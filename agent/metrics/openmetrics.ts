// OpenMetrics 1.0 text exposition of the SDK's collected metrics, with exemplars: what
// @opentelemetry/exporter-prometheus lacks (it writes only the 0.0.4 text format). A pure function of
// the collected ResourceMetrics and an exemplar lookup. Format reference: the OpenMetrics 1.0
// specification, and prom-client's OpenMetrics output for the exemplar suffix.
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

export function serializeOpenMetrics(resourceMetrics: ResourceMetrics, exemplars: ExemplarLookup = NO_EXEMPLARS): string {
  let out = targetInfo(resourceMetrics.resource.attributes);
  for (const family of collectFamilies(resourceMetrics)) {
    out += `# TYPE ${family.name} ${family.type}\n`;
    if (family.unit !== '') out += `# UNIT ${family.name} ${family.unit}\n`;
    if (family.help !== '') out += `# HELP ${family.name} ${escape(family.help)}\n`;
    for (const metric of family.metrics) out += samples(family.name, metric, exemplars);
  }
  return `${out}# EOF\n`;
}

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

function targetInfo(resource: Attributes): string {
  if (Object.keys(resource).length === 0) return '';
  return `# TYPE target info\n# HELP target Target metadata\ntarget_info${labels(resource)} 1\n`;
}

function samples(name: string, metric: MetricData, exemplars: ExemplarLookup): string {
  const instrument = metric.descriptor.name;
  let out = '';
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      for (const point of metric.dataPoints) {
        const suffix = metric.isMonotonic ? '_total' : '';
        const exemplar = metric.isMonotonic ? exemplars.exemplarsFor(instrument, point.attributes)?.get(0) : undefined;
        out += `${name}${suffix}${labels(point.attributes)} ${number(point.value)}${exemplarSuffix(exemplar)}\n`;
      }
      break;
    case DataPointType.GAUGE:
      for (const point of metric.dataPoints) out += `${name}${labels(point.attributes)} ${number(point.value)}\n`;
      break;
    case DataPointType.HISTOGRAM:
      for (const point of metric.dataPoints) out += histogram(name, instrument, point, exemplars);
      break;
  }
  return out;
}

function histogram(name: string, instrument: string, point: DataPoint<Histogram>, exemplars: ExemplarLookup): string {
  const { boundaries, counts } = point.value.buckets;
  let out = '';
  const seriesExemplars = exemplars.exemplarsFor(instrument, point.attributes);
  let cumulative = 0;
  for (let i = 0; i < counts.length; i++) {
    cumulative += counts[i]!;
    const le = i < boundaries.length ? canonicalFloat(boundaries[i]!) : '+Inf';
    const exemplar = seriesExemplars?.get(i);
    out += `${name}_bucket${labels(point.attributes, { le })} ${cumulative}${exemplarSuffix(exemplar)}\n`;
  }
  out += `${name}_count${labels(point.attributes)} ${point.value.count}\n`;
  if (point.value.sum !== undefined) out += `${name}_sum${labels(point.attributes)} ${number(point.value.sum)}\n`;
  return out;
}

function exemplarSuffix(exemplar: Exemplar | undefined): string {
  if (!exemplar) return '';
  let chars = 0;
  for (const [key, value] of Object.entries(exemplar.labels)) chars += [...key].length + [...value].length;
  if (chars > EXEMPLAR_LABELS_MAX_CHARS) return '';
  return ` # ${labels(exemplar.labels) || '{}'} ${number(exemplar.value)} ${exemplar.timestampMs / 1000}`;
}

function labels(attributes: Attributes, extra?: Record<string, string>): string {
  const pairs: string[] = [];
  for (const [key, value] of Object.entries(attributes)) pairs.push(`${sanitizeName(key)}="${escape(stringValue(value))}"`);
  if (extra) for (const [key, value] of Object.entries(extra)) pairs.push(`${key}="${escape(value)}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/** As the SDK's serializer: strings as they are, anything else JSON-encoded. */
function stringValue(value: AttributeValue | undefined): string {
  return typeof value === 'string' ? value : JSON.stringify(value ?? '');
}

/** OpenMetrics escapes backslash, double quote and line feed in label values and HELP text. */
export function escape(text: string): string {
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
