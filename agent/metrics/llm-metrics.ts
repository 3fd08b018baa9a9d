// Assembles the span-derived LLM metrics: the span processor (needed when the TracerProvider is
// built), the exemplar reservoir beside it, and the instruments, created from the names table once the
// agent's one MeterProvider exists (so an OTLP reader gets them too).
import type { MeterProvider } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { MODEL_CALL_SCOPE } from '../semconv.js';
import { ExemplarReservoir, type ExemplarLookup } from './exemplars.js';
import { createInstruments } from './instruments.js';
import type { LlmMetricsOptions } from './options.js';
import { LlmMetricsSpanProcessor } from './span-processor.js';

export interface LlmMetrics {
  /** Add it to the TracerProvider's span processors (any position: it works in onEnding). */
  spanProcessor: SpanProcessor;
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
  const processor = new LlmMetricsSpanProcessor(reservoir, options.maxSeries);
  return {
    spanProcessor: processor,
    exemplars: reservoir,
    useMeterProvider: (meterProvider) =>
      processor.useMetrics(createInstruments(meterProvider.getMeter(MODEL_CALL_SCOPE), options, onOverflow)),
    requestKnown: (span) => processor.requestKnown(span),
  };
}
