// The agent's own instruments (series.ts) in the exposition. Each series is written as bytes from
// parts encoded once (the metric's sample names and bucket labels per instrument, the label text per
// series, an exemplar's text per exemplar), its numbers put in as digits, and kept until the series
// changes; the text is the one openmetrics.ts writes from MetricData, byte for byte (the endpoint
// test holds the two together). No string is built per line: rewriting a thousand label sets from
// strings allocated about 10 MB, and the collections that followed held the service's loop for
// 10–20 ms at a time.
import type { Exemplar } from './exemplars.js';
import { bucketLes, exemplarSuffix, labelBody, number } from './exposition-text.js';
import { familyNaming, type PrometheusFamily, type PrometheusType } from './prometheus-naming.js';
import type { Instrument, RenderedText, Series, SeriesLabelBytes } from './series.js';

const INSTRUMENT_TYPES: Readonly<Record<Instrument['spec']['kind'], PrometheusType>> = {
  counter: 'counter',
  upDownCounter: 'gauge',
  histogram: 'histogram',
};

/** An instrument's family and the encoded parts of its lines. */
interface InstrumentParts extends PrometheusFamily {
  /** A counter's `name_total`, a gauge's `name`. */
  sample: Buffer;
  bucket: Buffer;
  count: Buffer;
  sum: Buffer;
  /** Per bucket, `le="0.1"} `. */
  les: Buffer[];
}

const partsByInstrument = new WeakMap<Instrument, InstrumentParts>();

function instrumentParts(instrument: Instrument): InstrumentParts {
  let parts = partsByInstrument.get(instrument);
  if (parts === undefined) {
    const { spec } = instrument;
    const family = familyNaming(spec.name, spec.unit, INSTRUMENT_TYPES[spec.kind]);
    const { name } = family;
    parts = {
      ...family,
      sample: Buffer.from(family.type === 'counter' ? `${name}_total` : name),
      bucket: Buffer.from(`${name}_bucket`),
      count: Buffer.from(`${name}_count`),
      sum: Buffer.from(`${name}_sum`),
      les: instrument.boundaries ? bucketLes(instrument.boundaries).map((le) => Buffer.from(`le="${le}"} `)) : [],
    };
    partsByInstrument.set(instrument, parts);
  }
  return parts;
}

/** The family an instrument is exposed as. */
export function instrumentFamily(instrument: Instrument): PrometheusFamily {
  const { name, unit, type } = instrumentParts(instrument);
  return { name, unit, type };
}

/** The agent's instrument's series, each from its kept bytes unless it changed since they were written. */
export function* instrumentSamples(instrument: Instrument, openMetrics: boolean): Generator<RenderedText> {
  const parts = instrumentParts(instrument);
  for (const series of instrument.series.values()) {
    let kept = openMetrics ? series.openMetricsText : series.plainText;
    if (kept === undefined || kept.version !== series.version) {
      written = 0;
      writeSeries(parts, series, openMetrics);
      if (kept === undefined || kept.bytes.length < written) {
        // Room for the counts to gain digits before the buffer must be replaced.
        kept = { version: 0, bytes: Buffer.allocUnsafe(written + (written >> 3) + 16), length: 0 } satisfies RenderedText;
        if (openMetrics) series.openMetricsText = kept;
        else series.plainText = kept;
      }
      scratch.copy(kept.bytes, 0, 0, written);
      kept.length = written;
      kept.version = series.version;
    }
    yield kept; // not a subarray of it: that would be one more object per series and scrape for the collector
  }
}

const SPACE = 0x20;
const NEWLINE = 0x0a;

function writeSeries(parts: InstrumentParts, series: Series, openMetrics: boolean): void {
  const labels = seriesLabels(series);
  const exemplars = openMetrics ? series.exemplars : undefined;
  if (parts.type === 'histogram') {
    const counts = series.counts!;
    let cumulative = 0;
    for (let i = 0; i < counts.length; i++) {
      cumulative += counts[i]!;
      put(parts.bucket);
      put(labels.bucketOpen);
      put(parts.les[i]!);
      putNumber(cumulative);
      if (exemplars !== undefined) putExemplar(exemplars.get(i));
      putByte(NEWLINE);
    }
    put(parts.count);
    put(labels.braced);
    putByte(SPACE);
    putNumber(series.count);
    putByte(NEWLINE);
    put(parts.sum);
    put(labels.braced);
    putByte(SPACE);
    putNumber(series.sum);
    putByte(NEWLINE);
    return;
  }
  put(parts.sample);
  put(labels.braced);
  putByte(SPACE);
  putNumber(series.value);
  if (parts.type === 'counter' && exemplars !== undefined) putExemplar(exemplars.get(0));
  putByte(NEWLINE);
}

/** A series' label text, encoded once: label sets never change. */
function seriesLabels(series: Series): SeriesLabelBytes {
  if (series.labelBytes === undefined) {
    const body = labelBody(series.attributes);
    series.labelBytes = {
      braced: Buffer.from(body === '' ? '' : `{${body}}`),
      bucketOpen: Buffer.from(body === '' ? '{' : `{${body},`),
    };
  }
  return series.labelBytes;
}

/** An exemplar's bytes, kept on the exemplar like its text. */
function putExemplar(exemplar: Exemplar | undefined): void {
  if (exemplar === undefined) return;
  put((exemplar.bytes ??= Buffer.from(exemplarSuffix(exemplar))));
}

// The one series being written, in a buffer reused from series to series and scrape to scrape.
let scratch = Buffer.allocUnsafe(16 * 1024);
let written = 0;

function room(bytes: number): void {
  if (written + bytes <= scratch.length) return;
  const larger = Buffer.allocUnsafe(Math.max(scratch.length * 2, written + bytes));
  scratch.copy(larger, 0, 0, written);
  scratch = larger;
}

function put(part: Buffer): void {
  room(part.length);
  scratch.set(part, written);
  written += part.length;
}

function putByte(byte: number): void {
  room(1);
  scratch[written++] = byte;
}

/** As number() writes it: an integer's digits straight into the buffer, anything else through its text. */
function putNumber(value: number): void {
  if (!Number.isSafeInteger(value)) {
    const text = number(value);
    room(text.length);
    written += scratch.write(text, written, 'latin1');
    return;
  }
  if (value < 0) {
    putByte(0x2d);
    value = -value;
  }
  let digits = 1;
  for (let power = 10; power <= value; power *= 10) digits++;
  room(digits);
  let at = written + digits;
  written = at;
  do {
    const rest = Math.floor(value / 10);
    scratch[--at] = 0x30 + (value - rest * 10);
    value = rest;
  } while (value > 0);
}
