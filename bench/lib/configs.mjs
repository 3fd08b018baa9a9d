// The rows: how the service child is started for each configuration. Every row gets the same OTLP
// environment (OTLP/HTTP JSON to the discarding sink); a row's own settings come on top.

/** Environment shared by every row, the uninstrumented one included (it ignores it). */
export function commonEnv({ simUrl, sinkUrl }) {
  return {
    BENCH_SIM_URL: simUrl,
    OTEL_SERVICE_NAME: 'bench-service',
    OTEL_EXPORTER_OTLP_ENDPOINT: sinkUrl,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
  };
}

const AGENT_PRELOAD = ['--import', 'llm-otel-agent'];
// The agent's Prometheus endpoint on a free loopback port: nothing scrapes it, as in a quiet service.
const AGENT_ENV = { OTEL_EXPORTER_PROMETHEUS_HOST: '127.0.0.1', OTEL_EXPORTER_PROMETHEUS_PORT: '0' };

/**
 * id: short key; label: the table's row name; preload: node flags; env: the row's own variables;
 * ttftKey: the span attribute holding its time to first token in seconds, or null if it reports none;
 * peer: a row that needs bench/node_modules (a failure there is reported, not fatal).
 */
export const CONFIGS = [
  { id: 'none', label: 'no agent', preload: [], env: {}, ttftKey: null, peer: false },
  {
    id: 'agent-100',
    label: 'llm-otel-agent, 100 % sampling',
    preload: AGENT_PRELOAD,
    env: { ...AGENT_ENV, OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    ttftKey: 'gen_ai.response.time_to_first_chunk',
    peer: false,
  },
  {
    id: 'agent-10',
    label: 'llm-otel-agent, 10 % sampling',
    preload: AGENT_PRELOAD,
    env: { ...AGENT_ENV, OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
    ttftKey: 'gen_ai.response.time_to_first_chunk',
    peer: false,
  },
  {
    id: 'otel-contrib',
    label: 'OTel sdk-node + instrumentation-openai',
    preload: ['--import', './preloads/otel-sdk-node.mjs'],
    env: {},
    ttftKey: null,
    peer: true,
  },
  {
    id: 'openllmetry',
    label: 'OpenLLMetry (@traceloop/node-server-sdk)',
    preload: ['--import', './preloads/openllmetry.mjs'],
    env: {},
    ttftKey: null,
    peer: true,
  },
  {
    id: 'openlit',
    label: 'OpenLIT (openlit)',
    preload: ['--import', './preloads/openlit.mjs'],
    env: {},
    ttftKey: 'gen_ai.server.time_to_first_token',
    peer: true,
  },
];

// BENCH_COMPARE_WITH=<a built checkout of another commit>: one more row, that checkout's agent with the
// 100 % row's settings, alternating with the others in the same run (an A/B of two commits).
const compareWith = process.env.BENCH_COMPARE_WITH;
if (compareWith) {
  CONFIGS.push({
    id: 'agent-compare',
    label: `llm-otel-agent at ${compareWith}`,
    preload: ['--import', new URL(`file://${compareWith.replace(/\/$/, '')}/dist/bundle/register.js`).href],
    env: { ...AGENT_ENV, OTEL_TRACES_SAMPLER: 'parentbased_always_on' },
    ttftKey: 'gen_ai.response.time_to_first_chunk',
    peer: false,
  });
}

export const BASELINE_ID = 'none';

/** The configurations named in a comma-separated list (all when the list is empty). */
export function selectConfigs(list) {
  if (!list) return CONFIGS;
  const ids = list.split(',').map((id) => id.trim());
  const unknown = ids.filter((id) => !CONFIGS.some((config) => config.id === id));
  if (unknown.length > 0) throw new Error(`unknown BENCH_CONFIGS ${unknown.join(', ')}; known: ${CONFIGS.map((c) => c.id).join(', ')}`);
  // The baseline is always measured: every figure is a ratio or a difference against it.
  return CONFIGS.filter((config) => config.id === BASELINE_ID || ids.includes(config.id));
}
