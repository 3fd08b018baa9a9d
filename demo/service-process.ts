// Runs the sample service as its own process, exactly as a user runs a service with the agent:
// `node --import <agent> service.js`. Keeps its output for failure messages, and always ends it.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { LISTENING_PREFIX } from './service/chat-service.js';

export interface ServiceProcessOptions {
  /** The agent's ESM entry (dist/bundle/register.js, what `--import llm-otel-agent` resolves to), given to --import. */
  agentEntry: string;
  /** The service's compiled entry (dist/demo/service/main.js). */
  serviceEntry: string;
  /** The whole environment of the child: nothing of the demo's own environment leaks in. */
  env: Record<string, string>;
  /** How long to wait for the service to listen. */
  startTimeoutMs: number;
}

export interface ServiceProcess {
  pid: number;
  /** The service's base URL, e.g. http://127.0.0.1:41234. */
  url: string;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
  /** SIGTERM (the agent flushes its spans and exits), then SIGKILL after `graceMs`. Never rejects. */
  stop(graceMs: number): Promise<void>;
  /** Resolves when the process has ended, for whatever reason. */
  exited: Promise<ServiceExit>;
}

export interface ServiceExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const OUTPUT_KEPT_CHARS = 20_000;

/** The child's output, for messages when it fails: the last OUTPUT_KEPT_CHARS characters. */
class OutputTail {
  private text = '';

  add(chunk: string): void {
    this.text = (this.text + chunk).slice(-OUTPUT_KEPT_CHARS);
  }

  toString(): string {
    return this.text;
  }
}

function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

export async function startServiceProcess(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', options.agentEntry, options.serviceEntry], {
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = new OutputTail();
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => output.add(chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.add(chunk));
  const exited: Promise<ServiceExit> = once(child, 'exit').then(
    ([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }),
    () => ({ code: child.exitCode, signal: child.signalCode }),
  );
  // Last resort if the demo dies without cleaning up (an uncaught error): never leave the service behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));

  const stop = async (graceMs: number) => {
    if (!alive(child)) return;
    child.kill('SIGTERM');
    const escalation = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(escalation);
  };

  try {
    const url = await listeningUrl(child, output, options.startTimeoutMs);
    return { pid: child.pid!, url, output: () => output.toString(), stop, exited };
  } catch (error) {
    await stop(1_000);
    throw error;
  }
}

/** Waits for the service's `demo-chat listening on <url>` line. */
function listeningUrl(child: ChildProcess, output: OutputTail, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const describeOutput = () => (output.toString().trim() ? `; its output:\n${output.toString().trim()}` : '');
    const cleanUp = () => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const onData = () => {
      const line = output.toString().split('\n').find((text) => text.startsWith(LISTENING_PREFIX));
      if (!line) return;
      cleanUp();
      resolve(line.slice(LISTENING_PREFIX.length).trim());
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanUp();
      reject(new Error(`the sample service exited before listening (code ${code}, signal ${signal})${describeOutput()}`));
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(new Error(`cannot start the sample service: ${error.message}`));
    };
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`the sample service did not listen within ${timeoutMs} ms${describeOutput()}`));
    }, timeoutMs);
    // Registered after the output collector, so the collected text already holds the chunk.
    child.stdout!.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
