// The model simulator: a real HTTP server speaking OpenAI, Anthropic and Ollama wire formats on a
// controlled schedule, recording when it wrote what. See README.md beside this file.
export { startModelSimulator } from './server.js';
export { DEFAULT_SCHEDULE, SIM_HEADERS } from './schedule.js';
export { CALLS_PATH } from './admin.js';
export { METRICS_PATH, VLLM_METRICS, vllmSeriesNames } from './vllm-metrics.js';
export { DEFAULT_KV_CACHE_TOKENS } from './engine.js';
export { VOCABULARY, countPromptTokens, generatedTokens } from './generation.js';
export type {
  ModelSimulator,
  ModelSimulatorOptions,
  SimCallRecord,
  SimErrorMode,
  SimProvider,
  SimSchedule,
} from './types.js';
