// OpenTelemetry metric name and unit → Prometheus metric family name, following the OpenTelemetry
// "Prometheus and OpenMetrics compatibility" rules: invalid characters become `_`, the unit is
// appended as a word (`s` → `_seconds`) unless the name already ends with it, `{annotations}` are
// dropped, and counters' `_total` belongs to the sample, not the family. Both exposition formats name
// metrics through here, so `gen_ai.client.operation.duration` (s) is always
// `gen_ai_client_operation_duration_seconds`, and the agent's `llm_*` names come out unchanged.
import { DataPointType, type MetricData } from '@opentelemetry/sdk-metrics';

export type PrometheusType = 'counter' | 'gauge' | 'histogram' | 'unsupported';

const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tibibytes',
  KBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

export function prometheusType(metric: MetricData): PrometheusType {
  switch (metric.dataPointType) {
    case DataPointType.SUM:
      return metric.isMonotonic ? 'counter' : 'gauge';
    case DataPointType.GAUGE:
      return 'gauge';
    case DataPointType.HISTOGRAM:
      return 'histogram';
    default:
      return 'unsupported';
  }
}

/** A label or metric name with every character Prometheus does not allow replaced by `_`. */
export function sanitizeName(name: string): string {
  const clean = name.replace(/[^a-zA-Z0-9_]/g, '_').replace(/_{2,}/g, '_');
  return /^[0-9]/.test(clean) ? `_${clean}` : clean;
}

/** The unit as a Prometheus name suffix word, or '' when it has none. */
export function prometheusUnit(unit: string, type: PrometheusType): string {
  const bare = unit.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return '';
  if (bare === '1') return type === 'gauge' ? 'ratio' : '';
  const [numerator = '', denominator] = bare.split('/', 2);
  const top = UNIT_WORDS[numerator] ?? numerator;
  const word = denominator === undefined ? top : `${top}_per_${PER_UNIT_WORDS[denominator] ?? denominator}`;
  return sanitizeName(word).replace(/^_+|_+$/g, '');
}

export interface PrometheusFamily {
  /** The family name; counter samples add `_total`, histogram samples `_bucket`, `_count`, `_sum`. */
  name: string;
  /** The unit word the name ends with, '' when none. */
  unit: string;
  type: PrometheusType;
}

export function prometheusFamily(metric: MetricData): PrometheusFamily {
  return familyNaming(metric.descriptor.name, metric.descriptor.unit, prometheusType(metric));
}

/** The family of an instrument named `instrumentName` with that unit, exposed as `type`. */
export function familyNaming(instrumentName: string, instrumentUnit: string, type: PrometheusType): PrometheusFamily {
  const unit = prometheusUnit(instrumentUnit, type);
  let name = sanitizeName(instrumentName);
  if (type === 'counter') name = name.replace(/_total$/, '');
  if (unit !== '' && !name.endsWith(`_${unit}`)) name = `${name}_${unit}`;
  return { name, unit, type };
}
