// Assembles the span-derived LLM metrics: the recorder and the exemplar reservoir beside it, the span
// processor over the recorder (needed when the TracerProvider is built), and the instruments, created
// from the names table once the agent's one MeterProvider exists (so an OTLP reader gets them too).
import type { MeterProvider } from '@opentelemetry/api';
import { MODEL_CALL_SCOPE } from '../semconv.js';
import { ExemplarReservoir, type ExemplarLookup } from './exemplars.js';
import { createInstruments } from './instruments.js';
import type { LlmMetricsOptions } from './options.js';
import { CallRecorder } from './recorder.js';
import { LlmMetricsSpanProcessor } from './span-processor.js';

export interface LlmMetrics {
  /** Add it to the TracerProvider's span processors (any position: it works in onEnding). */
  spanProcessor: LlmMetricsSpanProcessor;
  /** What the span processor records into; receivers of workers' calls record into it too. */
  recorder: CallRecorder;
  /** Hand it to the Prometheus endpoint (setExemplarSource). */
  exemplars: ExemplarLookup;
  /** Creates the instruments on the agent's MeterProvider; calls that end before this are not counted. */
  useMeterProvider(meterProvider: MeterProvider): void;
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
  const reservoir = new ExemplarReservoir(options.exemplarRefreshMs);
  const recorder = new CallRecorder(reservoir, options.maxSeries);
  const processor = new LlmMetricsSpanProcessor(recorder);
  return {
    spanProcessor: processor,
    recorder,
    exemplars: reservoir,
    useMeterProvider: (meterProvider) =>
      recorder.useMetrics(createInstruments(meterProvider.getMeter(MODEL_CALL_SCOPE), options, onOverflow)),
    requestKnown: (span) => processor.requestKnown(span),
  };
}
