// The CLI from the build (npm test builds dist/ first): prints its URL, serves, stops on SIGTERM.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

const MAIN = new URL('../../dist/demo/simulator/main.js', import.meta.url).pathname;

describe('simulator CLI', () => {
  it('prints its URL, applies --chunks, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', '0', '--chunks', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${url}/api/generate`, {
        method: 'POST',
        body: JSON.stringify({ model: 'llama3.2', prompt: 'hi', stream: false }),
      });
      expect((await response.json()).eval_count).toBe(3);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      expect(await exited).toEqual([0, null]);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
