import type { FeatureValue } from '@outpost/protocol';
import type { SensorSource } from '@outpost/device';

type Row = Record<string, FeatureValue>;

/** A SensorSource over rows already in memory (held-out rows, optionally transformed). */
export function rowsSource(rows: readonly Row[], transform: (row: Row) => Row = (r) => r): SensorSource {
  let closed = false;
  return {
    async *[Symbol.asyncIterator]() {
      for (const row of rows) {
        if (closed) return;
        yield transform(row);
      }
    },
    async close() {
      closed = true;
    },
  };
}

/** The drift scenario of the foundation tests: median income up by half. */
export function incomeShift(factor: number): (row: Row) => Row {
  return (row) => ({ ...row, median_income: typeof row['median_income'] === 'number' ? row['median_income'] * factor : row['median_income'] ?? null });
}
