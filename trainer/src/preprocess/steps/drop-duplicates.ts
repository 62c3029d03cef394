import type { Column } from '../../data/dataset.ts';

/**
 * Training rows minus exact duplicates (every feature and the target equal; missing equals
 * missing), keeping each first occurrence in `rows` order. A fit-time, row-level step: it never
 * touches validation or test rows and has no place in the graph.
 */
export function dropDuplicateRows(
  columns: readonly Column[],
  rows: readonly number[],
): { kept: number[]; dropped: number[] } {
  const seen = new Set<string>();
  const kept: number[] = [];
  const dropped: number[] = [];
  for (const r of rows) {
    // JSON keeps strings unambiguous and writes NaN as null.
    const key = JSON.stringify(columns.map((c) => c.values[r]));
    if (seen.has(key)) dropped.push(r);
    else {
      seen.add(key);
      kept.push(r);
    }
  }
  return { kept, dropped };
}
