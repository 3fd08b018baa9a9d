// What the metrics need from a model-call span, read once per span: who was called (the labels) and
// what happened (the measurements). Pure functions over the span's attributes.
import { SpanStatusCode, type Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import {
  ERROR_TYPE,
  GEN_AI_OPERATION_NAME,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_MODEL,
  GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  LLM_RESPONSE_CHUNK_COUNT,
  LLM_TIME_PER_OUTPUT_CHUNK_MEAN,
} from '../semconv.js';
import type { LabelId, MetricId } from './names.js';

const UNKNOWN = 'unknown';
/** The conventions' error.type value when a failure has no better name. */
const OTHER_ERROR = '_OTHER';

/** Everything a label value is taken from. Known at span start, except the outcome. */
export interface CallLabels {
  requestModel?: string;
  responseModel?: string;
  provider: string;
  operation: string;
  serviceName: string;
  /** Set when the call failed (the span's error.type, or `_OTHER`). */
  errorType?: string;
}

export interface CallFacts extends CallLabels {
  durationS: number;
  firstChunkS?: number;
  timePerChunkS?: number;
  inputTokens?: number;
  outputTokens?: number;
}

type SpanView = Pick<ReadableSpan, 'attributes' | 'resource'>;

function text(attributes: Attributes, key: string): string | undefined {
  const value = attributes[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function amount(attributes: Attributes, key: string): number | undefined {
  const value = attributes[key];
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The labels of a call; at span start the response model and the outcome are not known yet. */
export function readCallLabels(span: SpanView, failed = false): CallLabels {
  const attributes = span.attributes;
  const serviceName = span.resource.attributes['service.name'];
  return {
    requestModel: text(attributes, GEN_AI_REQUEST_MODEL),
    responseModel: text(attributes, GEN_AI_RESPONSE_MODEL),
    provider: text(attributes, GEN_AI_PROVIDER_NAME) ?? UNKNOWN,
    operation: text(attributes, GEN_AI_OPERATION_NAME) ?? UNKNOWN,
    serviceName: typeof serviceName === 'string' ? serviceName : 'unknown_service',
    errorType: failed ? (text(attributes, ERROR_TYPE) ?? OTHER_ERROR) : undefined,
  };
}

/** Labels and measurements of an ended call. */
export function readCallFacts(span: SpanView & Pick<ReadableSpan, 'status' | 'duration'>): CallFacts {
  const attributes = span.attributes;
  const failed = span.status.code === SpanStatusCode.ERROR || attributes[ERROR_TYPE] !== undefined;
  const chunkCount = amount(attributes, LLM_RESPONSE_CHUNK_COUNT) ?? 0;
  return {
    ...readCallLabels(span, failed),
    durationS: span.duration[0] + span.duration[1] / 1e9,
    firstChunkS: amount(attributes, GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK),
    timePerChunkS: chunkCount > 1 ? amount(attributes, LLM_TIME_PER_OUTPUT_CHUNK_MEAN) : undefined,
    inputTokens: amount(attributes, GEN_AI_USAGE_INPUT_TOKENS),
    outputTokens: amount(attributes, GEN_AI_USAGE_OUTPUT_TOKENS),
  };
}

/** A label's value for a call; undefined leaves the label out (the conventions omit unknown attributes). */
export function labelValue(id: LabelId, call: CallLabels): string | undefined {
  switch (id) {
    case 'model':
      return call.responseModel ?? call.requestModel ?? UNKNOWN;
    case 'requestModel':
      return call.requestModel;
    case 'responseModel':
      return call.responseModel;
    case 'provider':
      return call.provider;
    case 'operation':
      return call.operation;
    case 'status':
      return call.errorType === undefined ? 'ok' : 'error';
    case 'errorType':
      return call.errorType;
    case 'serviceName':
      return call.serviceName;
  }
}

/** What an ended call adds to a metric; undefined when the metric does not apply to this call. */
export function measurement(id: MetricId, call: CallFacts): number | undefined {
  switch (id) {
    case 'activeRequests':
      return undefined; // counted at start and end, not measured
    case 'requests':
      return 1;
    case 'errors':
      return call.errorType === undefined ? undefined : 1;
    case 'generationLatency':
      return call.durationS;
    case 'firstTokenLatency':
      return call.firstChunkS;
    case 'timePerOutputToken':
      return call.timePerChunkS;
    case 'inputTokens':
      return call.inputTokens;
    case 'outputTokens':
      return call.outputTokens;
  }
}
