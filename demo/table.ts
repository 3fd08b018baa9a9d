// Plain padded columns for the terminal: enough for the demo's few small tables, no dependency.

export interface Column<Row> {
  header: string;
  /** Numbers read best right-aligned. */
  align?: 'left' | 'right';
  cell: (row: Row) => string;
}

const GAP = '  ';

/** The header, a rule, then one line per row; every line without trailing spaces. */
export function formatTable<Row>(columns: ReadonlyArray<Column<Row>>, rows: readonly Row[]): string[] {
  const cells = rows.map((row) => columns.map((column) => column.cell(row)));
  const widths = columns.map((column, i) => Math.max(column.header.length, ...cells.map((line) => line[i]!.length)));
  const line = (texts: readonly string[]) =>
    texts
      .map((text, i) => (columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!)))
      .join(GAP)
      .trimEnd();
  return [line(columns.map((column) => column.header)), widths.map((width) => '-'.repeat(width)).join(GAP), ...cells.map(line)];
}
