// Runs a script as a user's service would run: a separate Node process, started by default with
// `node --import llm-otel-agent app.mjs` in an app root whose node_modules resolve the agent and the client
// libraries by name (prepared by test/setup/global.ts). Every child started here is killed by stopAll() and,
// as a last resort, when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StartAppOptions {
  /** The script's source text. */
  script: string;
  ext: 'mjs' | 'cjs';
  /** Added to a clean environment of PATH and HOME only: the runner's OTEL_* variables never leak in. */
  env?: Record<string, string>;
  /** Defaults to ['--import', 'llm-otel-agent']; [] runs the script without the agent. */
  nodeArgs?: string[];
}

export interface AppExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AppRunResult extends AppExit {
  stdout: string;
  stderr: string;
}

export interface ChildApp {
  readonly pid: number;
  readonly scriptPath: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Settles once the process has exited and its output is fully read. */
  readonly exited: Promise<AppExit>;
  /** Resolves with the match of the first output line (stdout or stderr) matching `pattern`, past or future. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Waits for the `LISTENING <port>` line an app server prints (see LISTENING_LINE) and returns the port. */
  waitForPort(timeoutMs?: number): Promise<number>;
  kill(signal?: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL if the process is still alive after `graceMs`. */
  stop(graceMs?: number): Promise<AppExit>;
}

/** What an app prints once its server listens: `console.log(\`LISTENING ${port}\`)`. */
export const LISTENING_LINE = /^LISTENING (\d+)$/;

const DEFAULT_NODE_ARGS = ['--import', 'llm-otel-agent'];
const DEFAULT_WAIT_MS = 10_000;
const DEFAULT_RUN_MS = 15_000;
const DEFAULT_GRACE_MS = 3_000;

const running = new Set<ChildApp>();
let scriptCounter = 0;

// Last resort when a test forgets stopAll(): a dying test process takes its children with it.
process.once('exit', () => {
  for (const app of running) app.kill('SIGKILL');
});

function appRoot(): string {
  const root = process.env.LLM_TEST_APP_ROOT;
  if (!root) throw new Error('LLM_TEST_APP_ROOT is not set: test/setup/global.ts creates it (run through vitest)');
  return root;
}

function formatOutput(stdout: string, stderr: string): string {
  return `--- stdout ---\n${stdout}--- stderr ---\n${stderr}`;
}

function childEnv(extra: Record<string, string> | undefined): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...extra };
}

/** Splits a stream's chunks into complete lines. */
class LineCollector {
  text = '';
  private partial = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    this.text += chunk;
    const lines = (this.partial + chunk).split(/\r?\n/);
    this.partial = lines.pop()!;
    for (const line of lines) this.onLine(line);
  }

  /** An unterminated last line still counts once the stream has ended. */
  end(): void {
    if (this.partial) this.onLine(this.partial);
    this.partial = '';
  }
}

/** Lines from both streams, in arrival order, and the waiters for them. */
class LineWatch {
  readonly lines: string[] = [];
  private readonly waiters = new Set<{ pattern: RegExp; resolve: (match: RegExpMatchArray) => void }>();

  add(line: string): void {
    this.lines.push(line);
    for (const waiter of [...this.waiters]) {
      const match = line.match(waiter.pattern);
      if (match) {
        this.waiters.delete(waiter);
        waiter.resolve(match);
      }
    }
  }

  wait(pattern: RegExp, timeoutMs: number, exited: Promise<AppExit>, describe: () => string): Promise<RegExpMatchArray> {
    for (const line of this.lines) {
      const match = line.match(pattern);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        pattern,
        resolve: (match: RegExpMatchArray) => {
          clearTimeout(timer);
          resolve(match);
        },
      };
      const fail = (why: string): void => {
        if (!this.waiters.delete(waiter)) return;
        clearTimeout(timer);
        reject(new Error(`no output line matching ${pattern} ${why}\n${describe()}`));
      };
      const timer = setTimeout(() => fail(`within ${timeoutMs} ms`), timeoutMs);
      this.waiters.add(waiter);
      void exited.then((exit) => fail(`before the app exited (code ${exit.code}, signal ${exit.signal})`));
    });
  }
}

function trackChild(child: ChildProcess, scriptPath: string): ChildApp {
  const watch = new LineWatch();
  const stdout = new LineCollector((line) => watch.add(line));
  const stderr = new LineCollector((line) => watch.add(line));
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));

  // 'close' comes after 'exit' and after both streams have ended, so the output is complete by then.
  const exited = once(child, 'close').then(([code, signal]) => {
    stdout.end();
    stderr.end();
    running.delete(app);
    rmSync(scriptPath, { force: true });
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const describe = (): string => formatOutput(stdout.text, stderr.text);

  const app: ChildApp = {
    pid: child.pid!,
    scriptPath,
    get stdout() {
      return stdout.text;
    },
    get stderr() {
      return stderr.text;
    },
    exited,
    waitForLine(pattern, timeoutMs = DEFAULT_WAIT_MS) {
      return watch.wait(pattern, timeoutMs, exited, describe);
    },
    async waitForPort(timeoutMs = DEFAULT_WAIT_MS) {
      const [, port] = await watch.wait(LISTENING_LINE, timeoutMs, exited, describe);
      return Number(port);
    },
    kill(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    async stop(graceMs = DEFAULT_GRACE_MS) {
      app.kill('SIGTERM');
      const escalation = setTimeout(() => app.kill('SIGKILL'), graceMs);
      try {
        return await exited;
      } finally {
        clearTimeout(escalation);
      }
    },
  };
  running.add(app);
  return app;
}

export async function startApp(options: StartAppOptions): Promise<ChildApp> {
  const root = appRoot();
  const scriptPath = join(root, `app-${process.pid}-${++scriptCounter}.${options.ext}`);
  writeFileSync(scriptPath, options.script);
  const child = spawn(process.execPath, [...(options.nodeArgs ?? DEFAULT_NODE_ARGS), scriptPath], {
    cwd: root,
    env: childEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await once(child, 'spawn');
  } catch (error) {
    rmSync(scriptPath, { force: true });
    throw error;
  }
  return trackChild(child, scriptPath);
}

/** Runs a script to completion; kills it and throws (with its output) if it outlives `timeoutMs`. */
export async function runApp(options: StartAppOptions & { timeoutMs?: number }): Promise<AppRunResult> {
  const app = await startApp(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_RUN_MS;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
  });
  const outcome = await Promise.race([app.exited, timedOut]);
  clearTimeout(timer);
  if (outcome === 'timeout') {
    await app.stop();
    throw new Error(`app did not exit within ${timeoutMs} ms\n${formatOutput(app.stdout, app.stderr)}`);
  }
  return { ...outcome, stdout: app.stdout, stderr: app.stderr };
}

/** Stops every child still running; meant for afterEach/afterAll. */
export async function stopAll(graceMs = DEFAULT_GRACE_MS): Promise<void> {
  await Promise.all([...running].map((app) => app.stop(graceMs)));
}

/** Whether a process with this pid still exists (signal 0 checks without sending anything). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
