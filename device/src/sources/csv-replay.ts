import { readFile } from 'node:fs/promises';
import { parseCsv, systemClock, type Clock, type FeatureValue } from '@outpost/protocol';
import { Pacer } from './pacer.ts';
import type { SensorSource } from './sensor-source.ts';

export interface CsvReplayOptions {
  path: string;
  /** Rows per second; unlimited when absent. Paced with the injected clock. */
  rate?: number;
  /** Start again from the first row after the last. */
  loop?: boolean;
  /** Reshapes each row (rename, drop the target column, add noise…). */
  transform?: (row: Record<string, FeatureValue>) => Record<string, FeatureValue>;
  clock?: Clock;
}

/**
 * Replays rows from a CSV file as if they came from sensors. Columns whose every non-empty value
 * is a number become numbers; empty cells become null (missing).
 */
export class CsvReplaySource implements SensorSource {
  private closed = false;
  private readonly pacer: Pacer;

  constructor(private readonly options: CsvReplayOptions) {
    this.pacer = new Pacer(options.clock ?? systemClock);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pacer.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Record<string, FeatureValue>> {
    const rows = await loadCsvRows(this.options.path);
    if (rows.length === 0) return;
    const interval = this.options.rate && this.options.rate > 0 ? 1000 / this.options.rate : 0;
    let first = true;
    do {
      for (const row of rows) {
        if (this.closed) return;
        if (interval > 0 && !first) await this.pacer.sleep(interval);
        first = false;
        if (this.closed) return;
        yield this.options.transform ? this.options.transform({ ...row }) : { ...row };
      }
    } while (this.options.loop && !this.closed);
  }
}

const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** Reads a CSV file into feature rows (numeric-looking columns as numbers, empty → null). */
export async function loadCsvRows(file: string): Promise<Record<string, FeatureValue>[]> {
  const table = parseCsv(await readFile(file, 'utf8'), file);
  const numeric = table.header.map((_, c) =>
    table.rows.every((r) => {
      const v = (r[c] as string).trim();
      return v === '' || NUMBER.test(v);
    }),
  );
  return table.rows.map((r) => {
    const row: Record<string, FeatureValue> = {};
    table.header.forEach((name, c) => {
      const raw = r[c] as string;
      const v = raw.trim();
      row[name] = v === '' ? null : numeric[c] ? Number(v) : raw;
    });
    return row;
  });
}
