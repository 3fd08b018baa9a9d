// The nvidia-smi query the poller runs, and a pure parser of what it prints. The column list below
// is the one source of truth: the command line is built from it and the parser reads by its order.
//
// Format (`--format=csv,noheader,nounits`): one line per GPU, cells separated by ", ", nothing
// quoted, numbers without units, and a bracketed status such as `[N/A]` or `[Not Supported]`
// where a value is not available.

/** Columns that identify a GPU; they become labels. */
export const IDENTITY_COLUMNS = ['index', 'uuid', 'name'] as const;

/** Columns that carry a number; each feeds one gauge (gauges.ts). */
export const NUMERIC_COLUMNS = [
  'utilization.gpu',
  'utilization.memory',
  'memory.used',
  'memory.total',
  'temperature.gpu',
  'power.draw',
  'power.limit',
] as const;

export type NumericColumn = (typeof NUMERIC_COLUMNS)[number];

const COLUMN_COUNT = IDENTITY_COLUMNS.length + NUMERIC_COLUMNS.length;

/** Arguments for nvidia-smi (run without a shell). */
export const NVIDIA_SMI_ARGS: readonly string[] = [
  `--query-gpu=${[...IDENTITY_COLUMNS, ...NUMERIC_COLUMNS].join(',')}`,
  '--format=csv,noheader,nounits',
];

export interface GpuSample {
  /** nvidia-smi's index, as printed ("0"). */
  readonly index: string;
  /** "GPU-" followed by the board's UUID; stable across reboots, unlike the index. */
  readonly uuid: string;
  /** Product name, e.g. "NVIDIA H100 80GB HBM3". */
  readonly name: string;
  /** Values in nvidia-smi's units (%, MiB, °C, W); a value nvidia-smi could not give is absent, never 0. */
  readonly values: Readonly<Partial<Record<NumericColumn, number>>>;
}

export interface UnparsableLine {
  /** 1-based, counting blank lines too, so it matches what a person sees in the raw output. */
  readonly lineNumber: number;
  readonly text: string;
  readonly reason: string;
}

/** nvidia-smi printed something that is not the CSV we asked for; no GPU of that output is trusted. */
export class NvidiaSmiParseError extends Error {
  override readonly name = 'NvidiaSmiParseError';

  constructor(readonly lines: readonly UnparsableLine[]) {
    super(
      `unparsable nvidia-smi output: ${lines
        .map((line) => `line ${line.lineNumber}: ${line.reason} (${JSON.stringify(shorten(line.text))})`)
        .join('; ')}`,
    );
  }
}

// `[N/A]`, `[Not Supported]`, `[Unknown Error]`, `[Insufficient Permissions]`, `[GPU is lost]`… and
// the bare `N/A` some driver versions print.
const NOT_AVAILABLE = /^(\[[^\]]*\]|N\/A)$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;
const GPU_INDEX = /^\d+$/;

/**
 * Parses the whole output. Throws NvidiaSmiParseError listing every line that failed: one garbled
 * line can mean shifted columns, so a partly garbled output is rejected as a whole.
 */
export function parseNvidiaSmiCsv(output: string): GpuSample[] {
  const samples: GpuSample[] = [];
  const failures: UnparsableLine[] = [];
  output.split(/\r?\n/).forEach((rawLine, i) => {
    const text = rawLine.trim();
    if (text === '') return;
    const parsed = parseLine(text);
    if (typeof parsed === 'string') failures.push({ lineNumber: i + 1, text, reason: parsed });
    else samples.push(parsed);
  });
  if (failures.length > 0) throw new NvidiaSmiParseError(failures);
  return samples;
}

/** A sample, or why the line is not one. */
function parseLine(line: string): GpuSample | string {
  const cells = line.split(',');
  if (cells.length < COLUMN_COUNT) return `expected ${COLUMN_COUNT} columns, got ${cells.length}`;
  // Nothing is quoted, and only the product name can contain a comma: whatever cells are left over
  // belong to it.
  const nameEnd = cells.length - NUMERIC_COLUMNS.length;
  const index = cells[0]!.trim();
  const uuid = cells[1]!.trim();
  const name = cells.slice(2, nameEnd).join(',').trim();
  if (!GPU_INDEX.test(index)) return `index ${JSON.stringify(index)} is not a GPU index`;
  if (uuid === '' || NOT_AVAILABLE.test(uuid)) return `uuid ${JSON.stringify(uuid)} is not a GPU UUID`;
  if (name === '') return 'empty GPU name';

  const values: Partial<Record<NumericColumn, number>> = {};
  for (const [offset, column] of NUMERIC_COLUMNS.entries()) {
    const cell = cells[nameEnd + offset]!.trim();
    if (NOT_AVAILABLE.test(cell)) continue;
    if (!DECIMAL.test(cell)) return `${column} ${JSON.stringify(cell)} is not a number`;
    values[column] = Number(cell);
  }
  return { index, uuid, name, values };
}

function shorten(text: string): string {
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
