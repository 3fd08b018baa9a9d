// The Node versions CI provisions are written once, in .ci/node-versions; the README's table and
// package.json's engines must agree with them, or the README promises versions nobody tested.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const pinned = Object.fromEntries(
  [...readFileSync(new URL('.ci/node-versions', root), 'utf8').matchAll(/^(NODE_\w+)=(\S+)$/gm)].map((m) => [m[1], m[2]]),
);
const readme = readFileSync(new URL('README.md', root), 'utf8');
const supported = readme.slice(readme.indexOf('## Supported versions'));
const engines = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } })
  .engines.node;

function atLeast(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((v) => v.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (a![i]! !== (b![i] ?? 0)) return a![i]! > (b![i] ?? 0);
  return true;
}

describe('supported Node versions', () => {
  it('pins an exact 24.x and 22.x build', () => {
    expect(pinned.NODE_PRIMARY).toMatch(/^24\.\d+\.\d+$/);
    expect(pinned.NODE_OLDEST).toMatch(/^22\.\d+\.\d+$/);
  });

  it('names the pinned builds in the README, and only those exact versions', () => {
    const named = [...supported.matchAll(/^\| (\d+\.\d+\.\d+) \|/gm)].map((m) => m[1]);
    expect(named.sort()).toEqual([pinned.NODE_OLDEST, pinned.NODE_PRIMARY].sort());
  });

  it('keeps both pinned builds inside package.json engines', () => {
    const minimum = engines.replace(/^>=\s*/, '');
    expect(atLeast(pinned.NODE_OLDEST!, minimum)).toBe(true);
    expect(atLeast(pinned.NODE_PRIMARY!, minimum)).toBe(true);
  });
});
