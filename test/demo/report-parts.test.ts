// The pure parts of the demo's report: reading an exposition, quantiles from buckets, the per-model
// rows, the span tree and the OTLP/JSON flattening, each against inputs in the exact formats the
// agent and the OpenTelemetry exporters write.
import { describe, expect, it } from 'vitest';
import { histogramQuantile, sumBuckets } from '../../demo/histogram-quantile.js';
import { planRequests } from '../../demo/load.js';
import { modelRows } from '../../demo/model-report.js';
import { ExpositionParseError, parseExposition } from '../../demo/openmetrics-parse.js';
import { spansOfJsonExport, type ReceivedSpan } from '../../demo/otlp-receiver.js';
import { renderSpanTree } from '../../demo/span-tree.js';
import { SIM_HEADERS } from '../../demo/simulator/index.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

// As agent/metrics/openmetrics.ts writes it (le in canonical float form, exemplars on buckets and counters).
const EXPOSITION = `# TYPE target info
target_info{service_name="demo-chat"} 1
# TYPE llm_requests counter
llm_requests_total{model="gpt-4o",provider="openai",operation="chat",status="ok",service_name="demo-chat"} 3 # {trace_id="${TRACE}",span_id="b7ad6b7169203331"} 1 1795830380.315
llm_requests_total{model="gpt-4o",provider="openai",operation="chat",status="error",service_name="demo-chat"} 1
llm_errors_total{model="gpt-4o",provider="openai",operation="chat",status="error",service_name="demo-chat",error_type="429"} 1 # {trace_id="11111111111111111111111111111111",span_id="2222222222222222"} 1 1795830380.4
llm_tokens_generated_total{model="gpt-4o",provider="openai",operation="chat",status="ok",service_name="demo-chat"} 90
# TYPE llm_first_token_latency_seconds histogram
llm_first_token_latency_seconds_bucket{model="gpt-4o",provider="openai",operation="chat",status="ok",service_name="demo-chat",le="0.3"} 0
llm_first_token_latency_seconds_bucket{model="gpt-4o",provider="openai",operation="chat",status="ok",service_name="demo-chat",le="0.5"} 2 # {trace_id="aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",span_id="0000000000000001"} 0.41 1795830380.1
llm_first_token_latency_seconds_bucket{model="gpt-4o",provider="openai",operation="chat",status="ok",service_name="demo-chat",le="1.0"} 3 # {trace_id="${TRACE}",span_id="0000000000000002"} 0.62 1795830380.2
llm_first_token_latency_seconds_bucket{model="gpt-4o",provider="openai",operation="chat",status="ok",service_name="demo-chat",le="+Inf"} 3
llm_first_token_latency_seconds_count{model="gpt-4o",provider="openai",operation="chat",status="ok",service_name="demo-chat"} 3
llm_requests_total{model="a \\"quoted\\" model, {x}",provider="openai",operation="chat",status="ok",service_name="demo-chat"} 1
# EOF
`;

describe('parseExposition', () => {
  it('reads labels, values and exemplars', () => {
    const samples = parseExposition(EXPOSITION);
    const first = samples.find((sample) => sample.name === 'llm_requests_total')!;
    expect(first.labels).toMatchObject({ model: 'gpt-4o', status: 'ok' });
    expect(first.value).toBe(3);
    expect(first.exemplar).toEqual({ labels: { trace_id: TRACE, span_id: 'b7ad6b7169203331' }, value: 1 });
    expect(samples.find((sample) => sample.labels.le === '+Inf')!.value).toBe(3);
  });

  it('unescapes label values that contain quotes, commas and braces', () => {
    const models = parseExposition(EXPOSITION).map((sample) => sample.labels.model);
    expect(models).toContain('a "quoted" model, {x}');
  });

  it('names the line it cannot read', () => {
    expect(() => parseExposition('llm_requests_total{model="x} 1\n')).toThrow(ExpositionParseError);
    expect(() => parseExposition('llm_requests_total{model="x"} one\n')).toThrow(/one/);
  });
});

describe('histogramQuantile', () => {
  // Values checked against Prometheus's histogram_quantile() for the same buckets.
  const buckets = [
    { le: 0.1, count: 10 },
    { le: 0.5, count: 30 },
    { le: 1, count: 40 },
    { le: Infinity, count: 40 },
  ];

  it('interpolates inside the bucket the rank falls in', () => {
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.3); // rank 20: halfway through (0.1, 0.5]
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.9); // rank 38: 8/10 of (0.5, 1]
    expect(histogramQuantile(0.1, buckets)).toBeCloseTo(0.04); // first bucket starts at 0
  });

  it('answers the highest finite bound for ranks in +Inf, and nothing without observations', () => {
    expect(histogramQuantile(0.99, [{ le: 1, count: 1 }, { le: Infinity, count: 5 }])).toBe(1);
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeUndefined();
  });

  it('sums series by bound', () => {
    const summed = sumBuckets([
      [{ le: 1, count: 1 }, { le: Infinity, count: 2 }],
      [{ le: 1, count: 3 }, { le: Infinity, count: 3 }],
    ]);
    expect(summed).toEqual([{ le: 1, count: 4 }, { le: Infinity, count: 5 }]);
  });
});

describe('modelRows', () => {
  it('adds up each model and picks the exemplar of its slowest first-token bucket', () => {
    const rows = modelRows(parseExposition(EXPOSITION));
    const row = rows.find((candidate) => candidate.model === 'gpt-4o')!;
    expect(row).toMatchObject({ provider: 'openai', requests: 4, errors: 1, errorTypes: ['429'], outputTokens: 90 });
    expect(row.slowestExemplar).toEqual({ traceId: TRACE, spanId: '0000000000000002', value: 0.62 });
    expect(row.errorExemplar?.traceId).toBe('11111111111111111111111111111111');
    // rank 1.5 of 3 lies in (0.3, 0.5], which holds 2 observations: 0.3 + 0.2 * 1.5/2
    expect(row.firstTokenP50).toBeCloseTo(0.45);
  });
});

describe('spansOfJsonExport', () => {
  it('flattens an OTLP/JSON trace export as the http/json exporter sends it', () => {
    const spans = spansOfJsonExport({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'demo-chat' } }] },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE,
                  spanId: 'b7ad6b7169203331',
                  parentSpanId: '',
                  name: 'chat gpt-4o',
                  kind: 3,
                  startTimeUnixNano: '1795830380000000000',
                  endTimeUnixNano: '1795830381500000000',
                  attributes: [
                    { key: 'gen_ai.usage.output_tokens', value: { intValue: '42' } },
                    { key: 'gen_ai.response.time_to_first_chunk', value: { doubleValue: 0.25 } },
                    { key: 'gen_ai.response.finish_reasons', value: { arrayValue: { values: [{ stringValue: 'stop' }] } } },
                  ],
                  status: { code: 2 },
                },
              ],
            },
          ],
        },
      ],
    });
    expect(spans).toEqual([
      {
        traceId: TRACE,
        spanId: 'b7ad6b7169203331',
        name: 'chat gpt-4o',
        kind: 3,
        startNs: 1795830380000000000n,
        endNs: 1795830381500000000n,
        attributes: { 'gen_ai.usage.output_tokens': 42, 'gen_ai.response.time_to_first_chunk': 0.25, 'gen_ai.response.finish_reasons': ['stop'] },
        statusCode: 2,
        serviceName: 'demo-chat',
      },
    ]);
  });
});

describe('renderSpanTree', () => {
  const span = (spanId: string, name: string, startMs: number, endMs: number, extra: Partial<ReceivedSpan> = {}): ReceivedSpan => ({
    traceId: TRACE,
    spanId,
    name,
    kind: 3,
    startNs: BigInt(startMs) * 1_000_000n,
    endNs: BigInt(endMs) * 1_000_000n,
    attributes: {},
    statusCode: 0,
    ...extra,
  });

  it('nests children under their parent, in start order, with the GenAI attributes and the waiting time shaded', () => {
    const lines = renderSpanTree([
      span('c2', 'second call', 600, 1000, { parentSpanId: 'root' }),
      span('root', 'POST', 0, 1000, { kind: 2 }),
      span('c1', 'chat gpt-4o', 100, 500, { parentSpanId: 'root', attributes: { 'gen_ai.response.time_to_first_chunk': 0.2, 'gen_ai.request.model': 'gpt-4o' } }),
    ]);
    expect(lines[0]).toMatch(/^POST\s+server\s+1\.00 s\s+\|█{24}\|$/);
    expect(lines[1]).toMatch(/^├─ chat gpt-4o\s+client\s+400\.0 ms\s+\|  ░{5}█{5}\s{12}\|$/);
    expect(lines.slice(2, 4)).toEqual(['│     gen_ai.request.model = gpt-4o', '│     gen_ai.response.time_to_first_chunk = 200.0 ms']);
    expect(lines[4]).toMatch(/^└─ second call\s+client\s+400\.0 ms/);
    expect(lines).toHaveLength(5);
  });

  it('draws a span whose parent is missing as a root, and marks errors', () => {
    const lines = renderSpanTree([span('x', 'orphan', 0, 10, { parentSpanId: 'gone', statusCode: 2 })]);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^orphan .*ERROR$/);
  });
});

describe('planRequests', () => {
  it('is the same on every run, rotates the models and asks for a 429 once in ten', () => {
    const plan = planRequests(20);
    expect(planRequests(20)).toEqual(plan);
    expect(new Set(plan.slice(0, 3).map((request) => request.model)).size).toBe(3);
    expect(plan.filter((request) => request.headers[SIM_HEADERS.error] === '429').map((request) => request.index)).toEqual([7, 17]);
    for (const request of plan) {
      const firstChunkMs = Number(request.headers[SIM_HEADERS.firstChunkMs]);
      expect(firstChunkMs).toBeGreaterThanOrEqual(200);
      expect(firstChunkMs).toBeLessThanOrEqual(800);
    }
  });
});
