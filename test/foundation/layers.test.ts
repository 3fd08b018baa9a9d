// The README's data-flow picture is what the imports do: the layers point one way.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const AGENT = join(import.meta.dirname, '../../agent');
const LAYERS = ['transport', 'spans', 'providers', 'metrics'] as const;

/** The agent layers a folder's files import (relative imports only). */
function layersImportedBy(layer: string): Set<string> {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const [, target] of readFileSync(path, 'utf8').matchAll(/from '((?:\.\.\/)+[^']+)'/g)) {
          const resolved = join(dir, target!).slice(AGENT.length + 1);
          const top = resolved.split('/')[0]!;
          if (top !== layer && (LAYERS as readonly string[]).includes(top)) found.add(top);
        }
      }
    }
  };
  walk(join(AGENT, layer));
  return found;
}

describe('agent layers', () => {
  it.each([
    ['transport', ['providers', 'spans']],
    ['spans', ['providers']],
    ['providers', []],
    ['metrics', []],
  ])('%s imports only %j among the layers', (layer, allowed) => {
    expect([...layersImportedBy(layer)].sort()).toEqual([...allowed].sort());
  });
});
