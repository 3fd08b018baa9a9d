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

  it('applies --max-running and --kv-cache-tokens, and serves them on GET /metrics', async () => {
    const child = spawn(process.execPath, [MAIN, '--port', '0', '--max-running', '1', '--kv-cache-tokens', '100'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [url] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const stream = (content: string) =>
        fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { 'x-sim-chunks': '2', 'x-sim-interval-ms': '30000' },
          body: JSON.stringify({ model: 'cli', messages: [{ role: 'user', content }], stream: true }),
        });
      // The first call writes one chunk and then pauses; the second waits for the one running slot.
      const first = await stream('one two three');
      const reader = first.body!.getReader();
      await reader.read();
      void stream('four').catch(() => undefined);
      const gauge = (text: string, name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1]);
      let text = '';
      for (let tries = 0; tries < 100; tries++) {
        text = await (await fetch(`${url}/metrics`)).text();
        if (gauge(text, 'vllm:num_requests_waiting') === 1 && gauge(text, 'vllm:kv_cache_usage_perc') > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(gauge(text, 'vllm:num_requests_running')).toBe(1);
      expect(gauge(text, 'vllm:num_requests_waiting')).toBe(1);
      // 3 prompt tokens and the 1 written, of 100.
      expect(gauge(text, 'vllm:kv_cache_usage_perc')).toBe(0.04);
      await reader.cancel();
    } finally {
      child.kill('SIGKILL');
    }
  });
});
