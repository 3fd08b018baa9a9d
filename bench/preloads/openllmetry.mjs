// Peer row: OpenLLMetry (@traceloop/node-server-sdk) as its getting-started page shows, pointed at the
// local sink. The exporter is the OTLP/HTTP JSON one every row uses (its default is protobuf), so the
// sink can decode its spans and exporting costs the same in every row. No Traceloop cloud: prompt
// sync off, no API key.
import * as traceloop from '@traceloop/node-server-sdk';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';

traceloop.initialize({
  appName: 'bench-service',
  baseUrl: process.env.OTEL_EXPORTER_OTLP_ENDPOINT,
  exporter: new OTLPTraceExporter({ url: `${process.env.OTEL_EXPORTER_OTLP_ENDPOINT}/v1/traces` }),
  traceloopSyncEnabled: false,
  silenceInitializationMessage: true,
});
process.once('SIGTERM', () => {
  traceloop.forceFlush().finally(() => process.exit(0));
});
