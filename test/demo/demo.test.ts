// The demo command end to end, as a user runs it: the built CLI in a child process, which itself
// runs the sample service under the agent. What it prints must be what the agent really produced.
import { describe, expect, it } from 'vitest';
import { DEMO_MODELS } from '../../demo/load.js';
import { cleanEnv, runCli, startCli } from './cli.js';

const REQUESTS = 12;

interface TableRow {
  model: string;
  requests: number;
  errors: number;
  traceId: string;
}

/** The per-model rows of the metrics table: model, provider, requests, errors (types), p50, p95, tokens, trace id. */
function tableRows(stdout: string): TableRow[] {
  const rows: TableRow[] = [];
  const pattern = /^ {2}(\S+)\s+(openai|anthropic)\s+(\d+)\s+(\d+)(?: \([^)]*\))?\s+([\d.]+ s|-)\s+([\d.]+ s|-)\s+(\d+)\s+([0-9a-f]{32})$/gm;
  for (const match of stdout.matchAll(pattern)) {
    rows.push({ model: match[1]!, requests: Number(match[3]), errors: Number(match[4]), traceId: match[8]! });
  }
  return rows;
}

/** The lines of the span tree printed under `Trace <id>:`. */
function traceBlock(stdout: string, traceId: string): string {
  const start = stdout.indexOf(`Trace ${traceId}:`);
  if (start < 0) return '';
  const end = stdout.indexOf('\n\n', start);
  return stdout.slice(start, end < 0 ? undefined : end);
}

describe('llm-otel-agent demo', () => {
  it('runs the service under the agent and reports per-model metrics with exemplar traces', async () => {
    const result = await runCli(['demo'], cleanEnv({ DEMO_REQUESTS: String(REQUESTS) }), 40_000);
    const output = `--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`;
    expect(result.code, output).toBe(0);

    const rows = tableRows(result.stdout);
    expect(rows.map((row) => row.model).sort(), output).toEqual(DEMO_MODELS.map((profile) => profile.model).sort());
    for (const row of rows) expect(row.requests).toBeGreaterThan(0);
    expect(rows.reduce((total, row) => total + row.requests, 0)).toBe(REQUESTS);
    // The plan asks the model for a 429 on one request in ten: request 8 of 12.
    expect(rows.reduce((total, row) => total + row.errors, 0)).toBe(1);

    for (const row of rows) {
      const block = traceBlock(result.stdout, row.traceId);
      expect(block, `trace ${row.traceId} of ${row.model} is not shown\n${output}`).not.toBe('');
      expect(block).toMatch(new RegExp(`└─ chat ${row.model.replace(/\./g, '\\.')}\\s+client`));
      expect(block).toMatch(/^\s+POST\s+server/m);
      expect(block).toMatch(/gen_ai\.response\.time_to_first_chunk = [\d.]+ (ms|s)/);
      expect(block).toContain(`gen_ai.request.model = ${row.model}`);
    }
    expect(result.stdout).toMatch(/a failed call of .+error_type 429/);
    expect(result.stdout).toMatch(/^Done in [\d.]+ s\.$/m);
  });

  it('stops the service and exits 130 on Ctrl-C', async () => {
    const run = startCli(['demo'], cleanEnv({ DEMO_REQUESTS: '500' }));
    const [, pid] = await run.waitFor(/\(pid (\d+)\)/, 15_000);
    await run.waitFor(/Sending \d+ requests/, 5_000);
    run.child.kill('SIGINT');
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 10_000);
    const exit = await run.exited;
    clearTimeout(timer);
    expect(exit.code, run.stderr).toBe(130);
    expect(run.stderr).toContain('Interrupted');
    expect(() => process.kill(Number(pid), 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('refuses a bad setting with exit code 2 and names it', async () => {
    const result = await runCli(['demo'], cleanEnv({ DEMO_REQUESTS: 'lots' }), 10_000);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('DEMO_REQUESTS="lots"');
    expect(result.stdout).toBe('');
  });
});
