// Versions of what was measured, read from the packages installed under bench/node_modules.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const NODE_MODULES = fileURLToPath(new URL('../node_modules/', import.meta.url));
const PACKAGES = ['llm-otel-agent', 'openai', '@opentelemetry/sdk-node', '@opentelemetry/instrumentation-openai', '@traceloop/node-server-sdk', 'openlit'];

/** { name: version } for each package, or "not installed". */
export function installedVersions() {
  return Object.fromEntries(
    PACKAGES.map((name) => {
      try {
        return [name, JSON.parse(readFileSync(`${NODE_MODULES}${name}/package.json`, 'utf8')).version];
      } catch {
        return [name, 'not installed'];
      }
    }),
  );
}
