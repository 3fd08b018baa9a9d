// Turns the names table into the agent's instruments (series.ts) for one profile, each behind the
// cardinality guard. Rows that share an instrument name (the conventions' gen_ai.client.token.usage
// for input and output tokens) share the instrument and its guard.
import type { Attributes } from '@opentelemetry/api';
import { labelValue, type CallLabels } from './call-facts.js';
import { CardinalityGuard } from './cardinality.js';
import { LABEL_NAMES, metricsFor, UNFOLDED_LABELS, type LabelId, type MetricId, type MetricName } from './names.js';
import type { LlmMetricsOptions } from './options.js';
import { Instrument, type Series } from './series.js';
import { seriesKey } from './series-key.js';

/** The value a refused label set is recorded under. */
export const OVERFLOW_VALUE = 'other';

/** One row of the table, bound to its instrument. */
export class LlmMetric {
  constructor(
    readonly id: MetricId,
    /** The row's own spec (its constants, its operations); the instrument's may be a shared row's. */
    readonly spec: MetricName,
    private readonly labelNames: Partial<Record<LabelId, string>>,
    readonly instrument: Instrument,
  ) {}

  /** Histogram boundaries; undefined for counters. */
  get boundaries(): readonly number[] | undefined {
    return this.instrument.boundaries;
  }

  /** The series a call is recorded under: its own label set, or the folded one once the guard refuses. */
  seriesFor(call: CallLabels): Series {
    const own = this.attributes((id) => labelValue(id, call));
    const key = seriesKey(own);
    if (this.instrument.guard.admit(key)) return this.instrument.seriesOf(own, key);
    return this.instrument.seriesOf(this.attributes((id) => (UNFOLDED_LABELS.has(id) ? labelValue(id, call) : OVERFLOW_VALUE)));
  }

  private attributes(valueOf: (id: LabelId) => string | undefined): Attributes {
    const attributes: Attributes = {};
    for (const id of this.spec.labels) {
      const value = valueOf(id);
      const name = this.labelNames[id];
      if (value !== undefined && name !== undefined) attributes[name] = value;
    }
    return Object.assign(attributes, this.spec.constants);
  }
}

/** One label value in a cache key, length first, so no value (a model name is the client's text) can pass for another. */
const keyPart = (value: string | undefined): string => (value === undefined ? '-' : `${value.length}:${value}`);

/** The identity of a call's labels, before any metric picks its own from them. */
export function callLabelsKey(call: CallLabels): string {
  return (
    keyPart(call.requestModel) + keyPart(call.responseModel) + keyPart(call.provider) +
    keyPart(call.operation) + keyPart(call.serviceName) + keyPart(call.errorType)
  );
}

/**
 * The series of every metric for one set of call labels, each built the first time a call with
 * those labels records into that metric. A service calls a handful of models, so nearly every call
 * repeats a label set, and building its series (attributes, their key, the guard's lookup) for each
 * metric was most of the per-call metrics work. The guard's admitted set only grows, so an answer
 * once given stays right. At most `limit` label sets are kept; past that, series are built per call.
 */
export class SeriesCache {
  private readonly byLabels = new Map<string, Array<Series | undefined>>();

  constructor(
    private readonly metrics: readonly LlmMetric[],
    private readonly limit: number,
  ) {}

  /** One call's slots: slot i holds the series of metrics[i] once it was asked for. */
  slotsFor(call: CallLabels): Array<Series | undefined> {
    const key = callLabelsKey(call);
    let slots = this.byLabels.get(key);
    if (slots === undefined) {
      slots = new Array<Series | undefined>(this.metrics.length);
      if (this.byLabels.size < this.limit) this.byLabels.set(key, slots);
    }
    return slots;
  }

  seriesAt(slots: Array<Series | undefined>, index: number, call: CallLabels): Series {
    return (slots[index] ??= this.metrics[index]!.seriesFor(call));
  }
}

export interface CreatedInstruments {
  /** One per instrument row of the profile, in table order; a row split by operation gives several with one id. */
  metrics: LlmMetric[];
  /** The distinct instruments behind them, in table order: what the exposition and the producer read. */
  instruments: Instrument[];
}

export function createInstruments(options: LlmMetricsOptions, onOverflow: (instrumentName: string) => void): CreatedInstruments {
  const byName = new Map<string, Instrument>();
  const metrics: LlmMetric[] = [];
  const labelNames = LABEL_NAMES[options.naming];
  for (const { id, metric } of metricsFor(options.naming, options.conventions)) {
    let instrument = byName.get(metric.name);
    if (!instrument) {
      const boundaries = metric.buckets ? options.buckets[metric.buckets] : undefined;
      instrument = new Instrument(metric, boundaries, new CardinalityGuard(options.maxSeries, () => onOverflow(metric.name)));
      byName.set(metric.name, instrument);
    }
    metrics.push(new LlmMetric(id, metric, labelNames, instrument));
  }
  return { metrics, instruments: [...byName.values()] };
}
