// A fake nvidia-smi: a shell script whose behaviour the test sets through files in its folder, so one
// test can change what "the GPU" does between polls. It records its arguments, counts its calls and
// notes any run that started while another was still going.
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SCRIPT = `#!/bin/sh
d="$(dirname "$0")"
echo "$*" > "$d/args"
echo call >> "$d/calls"
mkdir "$d/running" 2>/dev/null || echo overlap >> "$d/overlaps"
if [ -f "$d/hang" ]; then echo $$ > "$d/pid"; rmdir "$d/running"; exec sleep 30; fi
if [ -f "$d/delay" ]; then sleep "$(cat "$d/delay")"; fi
if [ -f "$d/stdout" ]; then cat "$d/stdout"; fi
if [ -f "$d/stderr" ]; then cat "$d/stderr" >&2; fi
rmdir "$d/running"
exit "$(cat "$d/exit-code" 2>/dev/null || echo 0)"
`;

export const FIXTURES = join(import.meta.dirname, 'fixtures');

export class FakeNvidiaSmi {
  readonly dir = mkdtempSync(join(tmpdir(), 'fake-nvidia-smi-'));
  /** Named like the real one, so the folder can go on PATH. */
  readonly path = join(this.dir, 'nvidia-smi');

  constructor() {
    writeFileSync(this.path, SCRIPT);
    chmodSync(this.path, 0o755);
  }

  /** Prints a fixture file from test/gpu/fixtures. */
  printFixture(name: string): this {
    return this.print(readFileSync(join(FIXTURES, name), 'utf8'));
  }

  print(stdout: string, stderr = ''): this {
    // Written whole then renamed: a poll running meanwhile reads the old output or the new, never half.
    for (const [file, text] of [['stdout', stdout], ['stderr', stderr]] as const) {
      writeFileSync(join(this.dir, `${file}.next`), text);
      renameSync(join(this.dir, `${file}.next`), join(this.dir, file));
    }
    return this;
  }

  exitWith(code: number): this {
    writeFileSync(join(this.dir, 'exit-code'), String(code));
    return this;
  }

  /** Sleeps this long before answering. */
  delay(seconds: number): this {
    writeFileSync(join(this.dir, 'delay'), String(seconds));
    return this;
  }

  /** Never answers (the process sleeps for 30 s); its pid is written for the test to check. */
  hang(): this {
    writeFileSync(join(this.dir, 'hang'), '');
    return this;
  }

  recover(): this {
    rmSync(join(this.dir, 'hang'), { force: true });
    return this.exitWith(0);
  }

  calls(): number {
    return this.read('calls')?.split('\n').filter(Boolean).length ?? 0;
  }

  overlaps(): number {
    return this.read('overlaps')?.split('\n').filter(Boolean).length ?? 0;
  }

  args(): string | undefined {
    return this.read('args')?.trim();
  }

  /** The pid of the last hung run. */
  hungPid(): number | undefined {
    const pid = this.read('pid');
    return pid === undefined ? undefined : Number(pid);
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private read(file: string): string | undefined {
    const path = join(this.dir, file);
    return existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  }
}
