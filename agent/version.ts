import { createRequire } from 'node:module';

/** The package's version, read once from its package.json (dist/agent/ → ../../package.json). */
export const AGENT_VERSION: string = (() => {
  try {
    return (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
})();
