// Runs once before the suite. Child-process tests need the agent resolvable by its package name,
// as a user's service would have it: a temporary "app root" whose node_modules links to this
// package (built into dist/ by `npm test`'s pretest) and to the client libraries the apps use.
import { mkdirSync, rmSync, symlinkSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tmpdir } from 'node:os';

const repoRoot = resolve(import.meta.dirname, '../..');

interface GoTools {
  buildCollector(): Promise<string>;
  buildComposeCheck(): Promise<string>;
}

export default async function setup(): Promise<() => void> {
  // The collector the pipeline tests run, and the compose checker: built from the Go module proxy on
  // the first run (minutes), then found by content hash in the cache (scripts/build-collector.mjs).
  const tools = (await import(join(repoRoot, 'scripts/build-collector.mjs'))) as GoTools;
  process.env.LLM_TEST_OTELCOL = await tools.buildCollector();
  process.env.LLM_TEST_COMPOSE_CHECK = await tools.buildComposeCheck();

  if (!existsSync(join(repoRoot, 'dist/agent/register.js')) || !existsSync(join(repoRoot, 'dist/bundle/register.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  }
  const appRoot = join(tmpdir(), `llm-otel-agent-apps-${process.pid}`);
  rmSync(appRoot, { recursive: true, force: true });
  const modules = join(appRoot, 'node_modules');
  mkdirSync(join(modules, '@anthropic-ai'), { recursive: true });
  mkdirSync(join(modules, '@aws-sdk'), { recursive: true });
  symlinkSync(repoRoot, join(modules, 'llm-otel-agent'), 'dir');
  for (const name of ['openai', 'openai-v4', '@anthropic-ai/sdk', '@google/genai', 'cohere-ai', '@aws-sdk/client-bedrock-runtime']) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules', name), join(modules, name), 'dir');
  }
  process.env.LLM_TEST_APP_ROOT = appRoot;
  return () => rmSync(appRoot, { recursive: true, force: true });
}
