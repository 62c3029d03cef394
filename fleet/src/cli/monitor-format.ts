/** Plain-text tables of the monitoring commands (docs/MONITORING.md "Commands"). */

/** Columns padded to their widest cell; `left` columns align left, the others right. */
export function formatTable(rows: readonly (readonly string[])[], left: readonly number[] = [0]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, i) => (left.includes(i) ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
