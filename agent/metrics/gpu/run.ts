// Runs nvidia-smi once, without a shell, and says how it went in a form the poller can act on.
// Never rejects: every failure becomes an outcome with a stable key for de-duplicating warnings.
import { execFile, type ChildProcess, type ExecFileException } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Socket } from 'node:net';
import { findExecutable } from '../../find-executable.js';

export type RunOutcome =
  | { readonly kind: 'output'; readonly stdout: string }
  /** The binary does not exist: there is no NVIDIA driver here, or the configured path is wrong. */
  | { readonly kind: 'missing' }
  /** `key` names the kind of failure (exit code, signal, errno), never the message text. */
  | { readonly kind: 'failed'; readonly key: string; readonly message: string }
  /** Stopped by the caller. */
  | { readonly kind: 'cancelled' };

export interface RunOptions {
  readonly timeoutMs: number;
  /** Aborting kills the process and resolves `cancelled`. */
  readonly signal: AbortSignal;
}

// Eight GPUs print well under 2 KiB; more than this is not nvidia-smi's CSV.
const MAX_OUTPUT_BYTES = 1024 * 1024;

/**
 * Runs `binary args`. The timeout is ours rather than execFile's because execFile's timer would
 * keep the host process alive; ours, and the child itself, are unref'd, so a hung nvidia-smi never
 * delays the application's exit. Either way the process is killed with SIGKILL: a hung nvidia-smi
 * is usually stuck in the driver and does not answer SIGTERM.
 */
export function runOnce(binary: string, args: readonly string[], options: RunOptions): Promise<RunOutcome> {
  return new Promise((resolve) => {
    if (options.signal.aborted) return resolve({ kind: 'cancelled' });
    const run = new AbortController();
    const timedOut = new Error('timeout');
    const timer = setTimeout(() => run.abort(timedOut), options.timeoutMs);
    timer.unref();
    const cancel = () => run.abort(options.signal.reason);
    options.signal.addEventListener('abort', cancel, { once: true });

    const finish = (outcome: RunOutcome) => {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', cancel);
      resolve(outcome);
    };
    // Most machines have no nvidia-smi. Looking for it first costs a few stat calls; letting the
    // spawn find out costs a fork of the whole service, at its start-up (about 25 ms measured).
    if (findExecutable(binary, process.env, existsSync) === undefined) return finish({ kind: 'missing' });
    try {
      const child = execFile(
        binary,
        args,
        { encoding: 'utf8', maxBuffer: MAX_OUTPUT_BYTES, killSignal: 'SIGKILL', signal: run.signal, windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) finish({ kind: 'output', stdout });
          else if (run.signal.aborted) {
            finish(run.signal.reason === timedOut ? timeoutFailure(binary, options.timeoutMs) : { kind: 'cancelled' });
          } else finish(classify(error, binary, stdout, stderr));
        },
      );
      detachFromEventLoop(child);
    } catch (error) {
      // execFile throws synchronously on arguments it rejects (an empty path, a NUL byte).
      finish({ kind: 'failed', key: 'invalid-binary', message: `cannot run ${JSON.stringify(binary)}: ${String(error)}` });
    }
  });
}

function classify(error: ExecFileException, binary: string, stdout: string, stderr: string): RunOutcome {
  const { code, signal } = error;
  if (code === 'ENOENT') return { kind: 'missing' };
  if (code === 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
    return { kind: 'failed', key: 'output-too-large', message: `${binary} printed more than ${MAX_OUTPUT_BYTES} bytes` };
  }
  // nvidia-smi writes its own errors ("NVIDIA-SMI has failed because...") to stdout.
  const said = firstLine(stderr) ?? firstLine(stdout);
  const detail = said === undefined ? '' : `: ${said}`;
  if (typeof code === 'number') return { kind: 'failed', key: `exit:${code}`, message: `${binary} exited with code ${code}${detail}` };
  if (signal) return { kind: 'failed', key: `signal:${signal}`, message: `${binary} was killed by ${signal}${detail}` };
  const errno = typeof code === 'string' ? code : 'unknown';
  return { kind: 'failed', key: `spawn:${errno}`, message: `cannot run ${binary}: ${error.message}` };
}

function timeoutFailure(binary: string, timeoutMs: number): RunOutcome {
  return { kind: 'failed', key: 'timeout', message: `${binary} did not answer within ${timeoutMs / 1000} s and was killed` };
}

function firstLine(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.trim() !== '')?.trim();
  if (line === undefined) return undefined;
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** A child and its pipes hold the event loop open by default; the poller must never do that. */
function detachFromEventLoop(child: ChildProcess): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) {
    if (stream instanceof Socket) stream.unref();
  }
}
