// Entry for `node --import llm-otel-agent app.js`. First the ESM loader hook, restricted to the
// modules the agent patches (node:http/https, for inbound and plain outbound HTTP spans; fetch and
// model calls are observed through diagnostics channels and need no patching), then the agent.
import { registerLoaderHook } from './loader-hook.js';
import { startAgent } from './start.js';

registerLoaderHook();
startAgent();
