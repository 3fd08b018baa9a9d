// The child-process harness with plain scripts (no agent): environment, output, waiting and clean-up.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, runApp, startApp, stopAll } from '../helpers/child-app.js';

// Under the full suite test/setup/global.ts provides the app root; alone, these tests make their own.
let ownAppRoot: string | undefined;
beforeAll(() => {
  if (!process.env.LLM_TEST_APP_ROOT) {
    ownAppRoot = mkdtempSync(join(tmpdir(), 'child-app-selftest-'));
    process.env.LLM_TEST_APP_ROOT = ownAppRoot;
  }
});
afterAll(() => {
  if (ownAppRoot) {
    rmSync(ownAppRoot, { recursive: true, force: true });
    delete process.env.LLM_TEST_APP_ROOT;
  }
});
afterEach(() => stopAll());

const SERVER_SCRIPT = `
import { createServer } from 'node:http';
const server = createServer((request, response) => response.end('ok from ' + process.env.APP_NAME));
server.listen(0, '127.0.0.1', () => console.log('LISTENING ' + server.address().port));
`;

describe('runApp', () => {
  it('runs an ES module with the given env and none of the runner\'s OTEL_* variables', async () => {
    process.env.OTEL_SERVICE_NAME = 'leaked-from-runner';
    try {
      const result = await runApp({
        script: `
          console.log('greeting=' + process.env.GREETING);
          console.log('otel=' + (process.env.OTEL_SERVICE_NAME ?? 'unset'));
          console.log('cwd=' + process.cwd());
          console.error('to stderr');
          process.exitCode = 3;
        `,
        ext: 'mjs',
        env: { GREETING: 'hi there' },
        nodeArgs: [],
      });
      expect(result).toEqual({
        code: 3,
        signal: null,
        stdout: `greeting=hi there\notel=unset\ncwd=${process.env.LLM_TEST_APP_ROOT}\n`,
        stderr: 'to stderr\n',
      });
    } finally {
      delete process.env.OTEL_SERVICE_NAME;
    }
  });

  it('runs a CommonJS script and removes it afterwards', async () => {
    const before = readdirSync(process.env.LLM_TEST_APP_ROOT!);
    const result = await runApp({ script: `console.log(typeof require, typeof module.exports)`, ext: 'cjs', nodeArgs: [] });
    expect(result).toMatchObject({ code: 0, stdout: 'function object\n' });
    expect(readdirSync(process.env.LLM_TEST_APP_ROOT!)).toEqual(before);
  });

  it('kills a script that does not exit in time and reports its output', async () => {
    await expect(
      runApp({ script: `console.log('still here'); setInterval(() => {}, 1000);`, ext: 'mjs', nodeArgs: [], timeoutMs: 1_000 }),
    ).rejects.toThrow(/did not exit within 1000 ms[\s\S]*still here/);
  });
});

describe('startApp', () => {
  it('waits for the listening port, serves, and stops on SIGTERM', async () => {
    const app = await startApp({ script: SERVER_SCRIPT, ext: 'mjs', env: { APP_NAME: 'demo' }, nodeArgs: [] });
    const port = await app.waitForPort();
    const response = await fetch(`http://127.0.0.1:${port}/`);
    expect(await response.text()).toBe('ok from demo');
    expect(await app.stop()).toEqual({ code: null, signal: 'SIGTERM' });
    expect(isAlive(app.pid)).toBe(false);
  });

  it('matches lines on either stream, including lines printed before the wait', async () => {
    const app = await startApp({
      script: `console.error('warming up'); setTimeout(() => console.log('ready: 7 models'), 200); setTimeout(() => {}, 5000);`,
      ext: 'mjs',
      nodeArgs: [],
    });
    const [, count] = await app.waitForLine(/^ready: (\d+) models$/);
    expect(count).toBe('7');
    expect((await app.waitForLine(/warming/))[0]).toBe('warming');
    expect(app.stderr).toBe('warming up\n');
  });

  it('rejects a wait when the app exits without printing the line, or when the time is up', async () => {
    const quick = await startApp({ script: `process.stdout.write('no newline at the end')`, ext: 'mjs', nodeArgs: [] });
    await expect(quick.waitForLine(/never printed/)).rejects.toThrow(/before the app exited \(code 0[\s\S]*no newline at the end/);
    expect((await quick.waitForLine(/no newline at the end/))[0]).toBe('no newline at the end');

    const slow = await startApp({ script: `setTimeout(() => {}, 5000);`, ext: 'mjs', nodeArgs: [] });
    await expect(slow.waitForLine(/never printed/, 100)).rejects.toThrow(/within 100 ms/);
  });

  it('stopAll ends every running app, even one ignoring SIGTERM', async () => {
    const server = await startApp({ script: SERVER_SCRIPT, ext: 'mjs', nodeArgs: [] });
    const stubborn = await startApp({
      script: `process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('started'); setInterval(() => {}, 1000);`,
      ext: 'mjs',
      nodeArgs: [],
    });
    await Promise.all([server.waitForPort(), stubborn.waitForLine(/^started$/)]);
    await stopAll(300);
    expect(await stubborn.exited).toEqual({ code: null, signal: 'SIGKILL' });
    expect(stubborn.stdout).toContain('ignoring SIGTERM');
    expect([isAlive(server.pid), isAlive(stubborn.pid)]).toEqual([false, false]);
  });
});
