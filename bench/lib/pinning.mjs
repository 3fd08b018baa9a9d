// Pinning the measured service to one vCPU and everything else (the runner, the simulator and the
// sink) to the other, with taskset, so the service does not compete with the simulator writing its
// streams or the runner reading its answers, as it would not with a provider on its own host. The
// scrape mode always pins (the scraper's reading showed as loop delay otherwise); the comparison
// pins with BENCH_PIN=1 only: in a 12-repeat run here it did not narrow the spread of the ratios
// (one vCPU's own stalls then hit the service alone). Nothing is pinned where taskset or a second
// CPU is missing.
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

// Read before the runner pins itself: the count follows this process's own affinity.
const CPUS = availableParallelism();

/** The vCPU the service runs on, and the one the rest shares. */
export const SERVICE_CPU = 0;
export const OTHERS_CPU = 1;

let runnerPinned = false;

/** Pins the runner itself to OTHERS_CPU; the children it starts later still start on every vCPU (childCommand). */
export function pinRunner() {
  runnerPinned = pin(process.pid, OTHERS_CPU);
  return runnerPinned;
}

/**
 * The command that starts a node child: on every vCPU even when the runner is pinned (a child
 * inherits its parent's affinity), so start-up is measured as a service starts anywhere.
 */
export function childCommand() {
  return runnerPinned ? ['taskset', ['-c', `0-${CPUS - 1}`, process.execPath]] : [process.execPath, []];
}

/** Pins a process, all its threads, to one CPU; false where that is not possible here. */
export function pin(pid, cpu) {
  if (CPUS < 2) return false;
  try {
    execFileSync('taskset', ['-a', '-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
