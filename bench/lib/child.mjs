// Child processes the runner starts: each prints one JSON line with `ready: true` when it serves.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { childCommand } from './pinning.mjs';

/**
 * Spawns `node ...args` and resolves with the child and its ready line. Output other than the ready
 * line goes to `logLines` (kept for failure reports).
 */
export function spawnReady(args, { cwd, env, readyTimeoutMs = 60_000 }) {
  // taskset execs node in place, so the child's pid is node's.
  const [command, prefix] = childCommand();
  const child = spawn(command, [...prefix, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logLines = [];
  const keep = (line) => {
    if (logLines.length < 200) logLines.push(line);
  };
  createInterface({ input: child.stderr }).on('line', keep);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready within ${readyTimeoutMs} ms: ${logLines.slice(-5).join(' | ')}`));
    }, readyTimeoutMs);
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('{') && line.includes('"ready"')) {
        clearTimeout(timer);
        resolve({ child, ready: JSON.parse(line), logLines });
      } else {
        keep(line);
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited before ready (code ${code}, signal ${signal}): ${logLines.slice(-5).join(' | ')}`));
    });
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export async function stopChild(child, graceMs = 5_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
