// Loads a dependency only when the configuration needs it, and synchronously, because the agent
// must be running before the application's first line. `require()` of a package would load its
// CommonJS build, a second copy of every @opentelemetry/* module the agent already has as ESM (tens
// of milliseconds of start-up each); resolving with the ESM conditions and requiring that file
// (require(esm), Node 22.12+) shares the graph that is already loaded.
// In the preload bundle this module is replaced by lazy in-bundle initialisers of the same modules
// (scripts/bundle-preload.mjs), found by their specifiers: always pass a string literal.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const requireFile = createRequire(import.meta.url);

export function loadEsm<T>(specifier: string): T {
  return requireFile(fileURLToPath(import.meta.resolve(specifier))) as T;
}
