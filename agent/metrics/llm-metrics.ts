// Assembles the span-derived LLM metrics: the agent's own instruments (series.ts) from the names
// table, the recorder that writes them and the exemplar reservoir beside it, the span processor over
// the recorder (needed when the TracerProvider is built), and the two ways out: the series themselves
// for the /metrics endpoint, and a MetricProducer for the SDK's push readers (OTLP, console).
import { ExemplarReservoir, type ExemplarLookup } from './exemplars.js';
import { createInstruments } from './instruments.js';
import type { LlmMetricsOptions } from './options.js';
import { LlmMetricProducer } from './producer.js';
import { CallRecorder } from './recorder.js';
import type { Instrument } from './series.js';
import { LlmMetricsSpanProcessor } from './span-processor.js';

export interface LlmMetrics {
  /** Add it to the TracerProvider's span processors (any position: it works in onEnding). */
  spanProcessor: LlmMetricsSpanProcessor;
  /** What the span processor records into; receivers of workers' calls record into it too. */
  recorder: CallRecorder;
  /** The instruments, in table order: hand them to the Prometheus endpoint (serveLlmMetrics). */
  instruments: readonly Instrument[];
  /** Exemplars by instrument name and attributes (the MetricData serializer's lookup). */
  exemplars: ExemplarLookup;
  /** The same figures as MetricData, for a push reader's metricProducers. */
  producer: LlmMetricProducer;
  /** The recorder read a call's request after its span started (fetch sends the body later). */
  requestKnown(span: object): void;
}

export function createLlmMetrics(options: LlmMetricsOptions, log: { warn(message: string): void }): LlmMetrics {
  let overflowWarned = false;
  const onOverflow = (instrumentName: string): void => {
    if (overflowWarned) return;
    overflowWarned = true;
    log.warn(
      `metric ${instrumentName} reached ${options.maxSeries} label sets; further ones are recorded as "other" ` +
        '(raise LLM_OTEL_MAX_SERIES if this is expected)',
    );
  };
  const { metrics, instruments } = createInstruments(options, onOverflow);
  const reservoir = new ExemplarReservoir(options.exemplarRefreshMs);
  const recorder = new CallRecorder(metrics, reservoir, options.maxSeries);
  const processor = new LlmMetricsSpanProcessor(recorder);
  return {
    spanProcessor: processor,
    recorder,
    instruments,
    exemplars: reservoir,
    producer: new LlmMetricProducer(instruments),
    requestKnown: (span) => processor.requestKnown(span),
  };
}
