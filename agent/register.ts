// Entry for `node --import llm-otel-agent app.js`. The agent starts first, then the ESM loader hook
// is registered, restricted to the modules the agent patches (node:http/https, for inbound and plain
// outbound HTTP spans; fetch and model calls are observed through diagnostics channels and need no
// patching). In that order the agent's own imports of node:http (its exporters') are not wrapped,
// which would patch the module twice; the application's imports, which all come later, are.
// With OTEL_SDK_DISABLED=true nothing else is even loaded: a disabled agent costs no start-up. The
// variable is read through the configuration table, silently: start-up reports a bad value.
import { peekVariable } from './config/variables.js';

if (!peekVariable(process.env, 'OTEL_SDK_DISABLED')) {
  const { startAgent } = await import('./start.js');
  const { registerLoaderHook } = await import('./loader-hook.js');
  if (startAgent()) registerLoaderHook();
}

export {};
