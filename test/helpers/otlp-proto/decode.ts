// Decodes an OTLP/HTTP request body of either encoding into the one OTLP/JSON shape (otlp-json.ts), so that
// everything downstream reads a single format.
import { join } from 'node:path';
import protobuf from 'protobufjs';
import type { OtlpEncoding, OtlpRequestBySignal, OtlpSignal } from './otlp-json.js';

const REQUEST_TYPE_NAMES: Readonly<Record<OtlpSignal, string>> = {
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
};
const SERVICE_FILES = ['trace_service.proto', 'metrics_service.proto', 'logs_service.proto'];

// OTLP/JSON writes these byte fields as hex; every other bytes field stays base64, as in proto3 JSON.
const HEX_BYTES_FIELDS = new Set(['traceId', 'spanId', 'parentSpanId']);

let requestTypes: Record<OtlpSignal, protobuf.Type> | undefined;

function requestTypeFor(signal: OtlpSignal): protobuf.Type {
  if (!requestTypes) {
    // Parsed once per process; the service files import the rest of the schema.
    const root = new protobuf.Root().loadSync(SERVICE_FILES.map((file) => join(import.meta.dirname, file)));
    requestTypes = {
      traces: root.lookupType(REQUEST_TYPE_NAMES.traces),
      metrics: root.lookupType(REQUEST_TYPE_NAMES.metrics),
      logs: root.lookupType(REQUEST_TYPE_NAMES.logs),
    };
  }
  return requestTypes[signal];
}

function bytesToOtlpJson(value: unknown, fieldName: string | undefined): unknown {
  if (value instanceof Uint8Array) {
    return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString(
      fieldName !== undefined && HEX_BYTES_FIELDS.has(fieldName) ? 'hex' : 'base64',
    );
  }
  if (Array.isArray(value)) return value.map((item) => bytesToOtlpJson(item, undefined));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, bytesToOtlpJson(item, key)]));
  }
  return value;
}

/**
 * Decodes an (already decompressed) request body. JSON bodies are trusted to have the OTLP/JSON shape;
 * protobuf bodies are decoded with the schema in this folder, 64-bit integers as decimal strings.
 * Throws on a malformed body.
 */
export function decodeOtlpRequest<S extends OtlpSignal>(
  signal: S,
  encoding: OtlpEncoding,
  body: Uint8Array,
): OtlpRequestBySignal[S] {
  if (encoding === 'json') {
    return JSON.parse(Buffer.from(body).toString('utf8')) as OtlpRequestBySignal[S];
  }
  const type = requestTypeFor(signal);
  const plain = type.toObject(type.decode(body), { longs: String });
  return bytesToOtlpJson(plain, undefined) as OtlpRequestBySignal[S];
}
