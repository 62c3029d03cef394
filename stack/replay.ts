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

/** A drift scenario: one numeric feature multiplied by `factor` (missing values stay missing). */
export function scaleFeature(feature: string, factor: number): (row: Row) => Row {
  return (row) => {
    const v = row[feature];
    return { ...row, [feature]: typeof v === 'number' ? v * factor : (v ?? null) };
  };
}

/**
 * The rows in an order that visits the whole set evenly (a stride coprime with its length). Sensor
 * logs are ordered by time (nights, then working hours), so a slice of one in file order is itself a
 * drifted stream.
 */
export function spreadOrder<T>(rows: readonly T[]): T[] {
  const n = rows.length;
  let step = Math.max(1, Math.floor(n * 0.618));
  while (gcd(step, n) !== 1) step++;
  return Array.from({ length: n }, (_v, k) => rows[(k * step) % n] as T);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}
