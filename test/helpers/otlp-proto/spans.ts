// Flattens an OTLP traces request into normalised spans: one record per span carrying its resource and scope,
// ids as lowercase hex, times as bigint, kinds as @opentelemetry/api's SpanKind.
import type {
  OtlpAnyValue,
  OtlpEncoding,
  OtlpInt64,
  OtlpKeyValue,
  OtlpScope,
  OtlpSpan,
  OtlpTracesRequest,
} from './otlp-json.js';

export type AttributeScalar = string | number | boolean;
/** An array element is null where the sender wrote an empty value (the SDK does so for null entries). */
export type AttributeValue = AttributeScalar | Array<AttributeScalar | null>;
export type Attributes = Record<string, AttributeValue>;

export interface ReceivedSpanEvent {
  name: string;
  timeUnixNano: bigint;
  attributes: Attributes;
}

export interface ReceivedSpanLink {
  traceId: string;
  spanId: string;
  attributes: Attributes;
}

export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** SpanKind of @opentelemetry/api (INTERNAL = 0, SERVER = 1, CLIENT = 2, ...): OTLP's enum minus one. */
  kind: number;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  /** code as SpanStatusCode: UNSET = 0, OK = 1, ERROR = 2 (the same numbers as OTLP). */
  status: { code: number; message?: string };
  events: ReceivedSpanEvent[];
  links: ReceivedSpanLink[];
  resource: Attributes;
  scope: { name: string; version?: string };
  encoding: OtlpEncoding;
}

function scalarOf(value: OtlpAnyValue): AttributeScalar | null {
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return Number(value.doubleValue);
  // Neither can be a span attribute in OpenTelemetry JS; kept readable rather than dropped.
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.kvlistValue !== undefined) return JSON.stringify(attributesOf(value.kvlistValue.values));
  return null;
}

function attributeValueOf(value: OtlpAnyValue): AttributeValue | null {
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(scalarOf);
  return scalarOf(value);
}

/** OTLP key/value list → plain record; keys whose value is empty are left out. */
export function attributesOf(keyValues: OtlpKeyValue[] | undefined): Attributes {
  const attributes: Attributes = {};
  for (const { key, value } of keyValues ?? []) {
    const converted = attributeValueOf(value ?? {});
    if (converted !== null) attributes[key] = converted;
  }
  return attributes;
}

function nanos(value: OtlpInt64 | undefined): bigint {
  return BigInt(value ?? 0);
}

function hexId(value: string | undefined): string {
  return (value ?? '').toLowerCase();
}

// OTLP: UNSPECIFIED = 0, INTERNAL = 1, SERVER = 2, ...; the API has no UNSPECIFIED, which reads as INTERNAL.
function apiSpanKind(otlpKind: number | undefined): number {
  return Math.max(0, (otlpKind ?? 0) - 1);
}

function scopeOf(scope: OtlpScope | undefined): ReceivedSpan['scope'] {
  return { name: scope?.name ?? '', ...(scope?.version ? { version: scope.version } : {}) };
}

function spanOf(
  span: OtlpSpan,
  context: Pick<ReceivedSpan, 'resource' | 'scope' | 'encoding'>,
): ReceivedSpan {
  const parentSpanId = hexId(span.parentSpanId);
  const statusMessage = span.status?.message;
  return {
    traceId: hexId(span.traceId),
    spanId: hexId(span.spanId),
    ...(parentSpanId ? { parentSpanId } : {}),
    name: span.name ?? '',
    kind: apiSpanKind(span.kind),
    startTimeUnixNano: nanos(span.startTimeUnixNano),
    endTimeUnixNano: nanos(span.endTimeUnixNano),
    attributes: attributesOf(span.attributes),
    status: { code: span.status?.code ?? 0, ...(statusMessage ? { message: statusMessage } : {}) },
    events: (span.events ?? []).map((event) => ({
      name: event.name ?? '',
      timeUnixNano: nanos(event.timeUnixNano),
      attributes: attributesOf(event.attributes),
    })),
    links: (span.links ?? []).map((link) => ({
      traceId: hexId(link.traceId),
      spanId: hexId(link.spanId),
      attributes: attributesOf(link.attributes),
    })),
    ...context,
  };
}

export function spansOfRequest(request: OtlpTracesRequest, encoding: OtlpEncoding): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = attributesOf(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) => {
      const scope = scopeOf(scopeSpans.scope);
      return (scopeSpans.spans ?? []).map((span) => spanOf(span, { resource, scope, encoding }));
    });
  });
}
