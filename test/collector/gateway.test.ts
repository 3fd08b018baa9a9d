// Scale-out, the way users outgrow one collector: two agent-tier collectors
// (collector/gateway/agent-tier.yaml: load_balancing by trace id, static resolver) in front of two
// gateway collectors running otel-collector.yaml, all real. Each trace has a span from a frontend that
// reports to the first agent-tier collector and a span from a backend that reports to the second, so
// tail sampling is only right if both halves meet at one gateway: a trace is kept whole or dropped
// whole, never split, and the error or exemplar on one half keeps the other half too.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, stopAllCollectors, type RunningCollector } from '../helpers/collector.js';
import { startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';

const TRACES = 300;
const ERROR_EVERY = 10; // the backend half fails
const EXEMPLAR_EVERY = 7; // the frontend half carries llm.exemplar=true

interface PlannedTrace {
  traceId: string;
  error: boolean;
  exemplar: boolean;
}

const plan: PlannedTrace[] = Array.from({ length: TRACES }, (_, i) => ({
  traceId: randomBytes(16).toString('hex'),
  error: i % ERROR_EVERY === 0,
  exemplar: i % EXEMPLAR_EVERY === 3,
}));

let store: OtlpReceiver;
let gateways: RunningCollector[];
let agentTier: RunningCollector[];

const text = (value: string) => ({ stringValue: value });

/** One OTLP/JSON export of `service`'s half of every planned trace. */
async function sendHalf(collector: RunningCollector, service: 'frontend' | 'llm-backend'): Promise<void> {
  const now = BigInt(Date.now()) * 1_000_000n;
  const spans = plan.map((trace, i) => {
    const frontend = service === 'frontend';
    return {
      traceId: trace.traceId,
      spanId: (frontend ? 'f' : 'b') + trace.traceId.slice(1, 16),
      ...(frontend ? {} : { parentSpanId: 'f' + trace.traceId.slice(1, 16) }),
      name: frontend ? 'POST /chat' : 'chat gpt-4o-mini',
      kind: frontend ? 2 : 3,
      startTimeUnixNano: String(now - 50_000_000n - BigInt(i)),
      endTimeUnixNano: String(now - BigInt(i)),
      attributes: frontend && trace.exemplar ? [{ key: 'llm.exemplar', value: { boolValue: true } }] : [],
      status: !frontend && trace.error ? { code: 2 } : {},
    };
  });
  const body = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: text(service) }] }, scopeSpans: [{ scope: { name: 'test' }, spans }] }] };
  const response = await fetch(`${collector.otlpHttpUrl}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(response.status).toBe(200);
}

/** The spans a collector's OTLP receiver accepted, from its own metrics. */
async function acceptedSpans(collector: RunningCollector): Promise<number> {
  const metrics = await (await fetch(`http://${collector.telemetry}/metrics`)).text();
  return metrics
    .split('\n')
    .filter((line) => line.startsWith('otelcol_receiver_accepted_spans'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

beforeAll(async () => {
  store = await startOtlpReceiver();
  const gatewayEnv = { TRACES_STORE_ENDPOINT: store.url, TAIL_SAMPLING_DECISION_WAIT: '2s' };
  gateways = await Promise.all([1, 2].map(() => startCollector({ configs: ['otel-collector.yaml'], env: gatewayEnv })));
  const endpoints = `[${gateways.map((g) => g.otlpGrpc).join(', ')}]`;
  agentTier = await Promise.all([1, 2].map(() => startCollector({ configs: ['collector/gateway/agent-tier.yaml'], env: { GATEWAY_ENDPOINTS: endpoints } })));
  await sendHalf(agentTier[0]!, 'frontend');
  await sendHalf(agentTier[1]!, 'llm-backend');
  // decision_wait, the gateway's batch timeout, a margin.
  await new Promise((resolve) => setTimeout(resolve, 2000 + 5000 + 2000));
}, 60_000);

afterAll(async () => {
  await stopAllCollectors();
  await store?.close();
});

describe('agent tier → load balancing by trace id → tail-sampling gateways', () => {
  it('spreads the traces over both gateways', async () => {
    const accepted = await Promise.all(gateways.map(acceptedSpans));
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(2 * TRACES);
    for (const count of accepted) expect(count).toBeGreaterThan(TRACES / 2);
  });

  it('decides each trace once: kept whole or dropped whole, never split', () => {
    const kept = new Map<string, number>();
    for (const span of store.spans) kept.set(span.traceId, (kept.get(span.traceId) ?? 0) + 1);
    expect([...kept.values()].filter((spans) => spans !== 2)).toEqual([]);
    expect(kept.size).toBeLessThan(TRACES);
  });

  it('keeps whole every trace whose backend half failed and every trace behind an exemplar', () => {
    const spansOf = (id: string) => store.spans.filter((s) => s.traceId === id).length;
    const mustKeep = plan.filter((t) => t.error || t.exemplar);
    expect(mustKeep.length).toBeGreaterThan(60);
    expect(mustKeep.filter((t) => spansOf(t.traceId) !== 2).map((t) => t.traceId)).toEqual([]);
  });
});
