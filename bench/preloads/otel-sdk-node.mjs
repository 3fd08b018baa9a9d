// Peer row: OpenTelemetry's own SDK with the contrib OpenAI instrumentation, set up as its README
// shows, plus the HTTP and undici instrumentations a service traces its other traffic with (the
// agent traces inbound HTTP and plain outbound calls too). Exporter, endpoint and protocol come from
// the OTEL_* environment the runner sets (OTLP/HTTP JSON to the local sink).
import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { OpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';

const sdk = new NodeSDK({
  instrumentations: [new HttpInstrumentation(), new UndiciInstrumentation(), new OpenAIInstrumentation()],
});
sdk.start();
process.once('SIGTERM', () => {
  sdk.shutdown().finally(() => process.exit(0));
});
