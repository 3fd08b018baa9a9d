// The Go tools are built once and then found by content hash: `npm run build:collector`'s cache,
// here with the small compose checker in a cache folder of the test's own (LLM_OTEL_CACHE_DIR).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/collector.js';

const cache = mkdtempSync(join(tmpdir(), 'llm-otel-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function build(): { path: string; ms: number } {
  const started = performance.now();
  const stdout = execFileSync(process.execPath, ['scripts/build-collector.mjs', '--compose-check'], {
    cwd: REPO_ROOT,
    env: { ...process.env, LLM_OTEL_CACHE_DIR: cache },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return { path: stdout.trim().split('\n').pop()!, ms: performance.now() - started };
}

describe('the Go tool cache (LLM_OTEL_CACHE_DIR)', () => {
  it('builds into the cache folder, prints the binary as its last line, and finds it there the second time', () => {
    const first = build();
    expect(first.path.startsWith(join(cache, 'compose-check'))).toBe(true);
    expect(existsSync(first.path)).toBe(true);
    const second = build();
    expect(second.path).toBe(first.path);
    // No Go work at all: the time of starting Node and hashing a few files.
    expect(second.ms).toBeLessThan(first.ms);
  }, 120_000);
});
