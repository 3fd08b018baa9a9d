// The sampler from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG. Handing a sampler to the SDK turns
// off its own env parsing, so the agent builds it here. It is wrapped so that model-call spans the
// sampler drops are still *recorded* (not exported): metrics are derived from every model call, so
// request counts stay exact at any ratio. Other dropped spans stay non-recording, because recording
// costs almost as much as exporting (see shared/design/performance.md). The decision that travels
// in the outgoing traceparent is untouched: a recorded-but-dropped span keeps its sampled flag off.
import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type Sampler,
  type SamplingResult,
} from '@opentelemetry/sdk-trace';
import type { SamplerName } from './config.js';
import { GEN_AI_OPERATION_NAME } from './semconv.js';

export function samplerFromConfig(name: SamplerName, ratio: number): Sampler {
  switch (name) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(ratio);
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(ratio) });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

const RECORD_ONLY: SamplingResult = { decision: SamplingDecision.RECORD };

/** Records (without sampling) the model-call spans that `inner` drops; everything else as `inner` says. */
export class RecordModelCallsSampler implements Sampler {
  constructor(private readonly inner: Sampler) {}

  shouldSample(context: Context, traceId: string, name: string, kind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    const result = this.inner.shouldSample(context, traceId, name, kind, attributes, links);
    if (result.decision === SamplingDecision.NOT_RECORD && attributes[GEN_AI_OPERATION_NAME] !== undefined) {
      return result.traceState ? { ...RECORD_ONLY, traceState: result.traceState } : RECORD_ONLY;
    }
    return result;
  }

  toString(): string {
    return `RecordModelCalls{${this.inner.toString()}}`;
  }
}
