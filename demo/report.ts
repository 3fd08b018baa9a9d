// What the demo prints about the load and the metrics: pure functions from results to lines.
import { SIMULATED_ERROR, type RequestOutcome } from './load.js';
import type { ModelRow } from './model-report.js';
import { formatTable, type Column } from './table.js';

function seconds(value: number | undefined): string {
  return value === undefined ? '-' : `${value.toFixed(3)} s`;
}

const MODEL_COLUMNS: ReadonlyArray<Column<ModelRow>> = [
  { header: 'model', cell: (row) => row.model },
  { header: 'provider', cell: (row) => row.provider },
  { header: 'requests', align: 'right', cell: (row) => String(row.requests) },
  { header: 'errors', align: 'right', cell: (row) => (row.errors > 0 && row.errorTypes.length > 0 ? `${row.errors} (${row.errorTypes.join(', ')})` : String(row.errors)) },
  { header: 'TTFT p50', align: 'right', cell: (row) => seconds(row.firstTokenP50) },
  { header: 'TTFT p95', align: 'right', cell: (row) => seconds(row.firstTokenP95) },
  { header: 'tokens out', align: 'right', cell: (row) => String(row.outputTokens) },
  { header: 'exemplar trace (slowest TTFT bucket)', cell: (row) => row.slowestExemplar?.traceId ?? '-' },
];

export function formatModelTable(rows: readonly ModelRow[]): string[] {
  return formatTable(MODEL_COLUMNS, rows);
}

/** One character per finished request, for the progress line: `.` answered, `x` error status, `!` no answer. */
export function progressMark(outcome: RequestOutcome): string {
  if (outcome.status === undefined) return '!';
  return outcome.status < 400 ? '.' : 'x';
}

/** E.g. `43 answered 200, 5 answered 502 (the model's 429)`. */
export function summarizeOutcomes(outcomes: readonly RequestOutcome[]): string {
  const byStatus = new Map<string, number>();
  for (const outcome of outcomes) {
    const key = outcome.status === undefined ? `no answer (${outcome.failure})` : `answered ${outcome.status}`;
    byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
  }
  const parts = [...byStatus].map(([key, count]) => `${count} ${key}`);
  const failuresAsked = outcomes.filter((outcome) => outcome.request.failureExpected).length;
  return `${parts.join(', ')}${failuresAsked > 0 ? ` (${failuresAsked} asked the model for a ${SIMULATED_ERROR})` : ''}`;
}

/** Requests whose outcome is not what the plan asked for: 200, or 502 where the model was told to fail. */
export function unexpectedOutcomes(outcomes: readonly RequestOutcome[]): string[] {
  return outcomes
    .filter((outcome) => outcome.status !== (outcome.request.failureExpected ? 502 : 200))
    .map(({ request, status, failure }) => `request ${request.index + 1} (POST ${request.route}, ${request.model}): ${status === undefined ? `no answer: ${failure}` : `HTTP ${status}`}`);
}
