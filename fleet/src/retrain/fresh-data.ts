/**
 * The fresh labelled rows of a retraining run (docs/MONITORING.md "Retraining"): a CSV (header row)
 * or JSONL (one object a line) in the spec's schema — its feature columns and target — plus a time
 * column saying when each row was observed. The newest window is held out: neither model trains on
 * it, and the champion and the challenger are compared on it.
 */
import { readFileSync } from 'node:fs';
import { isOutpostError, parseCsv } from '@outpost/protocol';
import { RetrainErrorCodes, retrainError } from './errors.ts';

/** One fresh row: column → text cell as read ('' = missing), and its time (ms). */
export interface FreshRow {
  cells: Record<string, string>;
  at: number;
}

export interface FreshData {
  file: string;
  columns: string[];
  rows: FreshRow[];
}

/** The default share of the newest fresh rows held out when no `since` is given. */
export const DEFAULT_HOLDOUT_FRACTION = 0.2;

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}

/** ISO text (or `YYYY-MM-DD HH:mm[:ss]`, read as UTC) or epoch milliseconds. */
export function parseTime(text: string): number {
  const t = text.trim();
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}/.test(t) ? `${t.replace(' ', 'T')}Z` : t;
  return Date.parse(iso);
}

function readTable(file: string): { columns: string[]; rows: Record<string, string>[]; lines: number[] } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw retrainError(RetrainErrorCodes.RETRAIN_FRESH_INVALID, `${file}: cannot read the fresh data`, { file }, cause);
  }
  if (/\.jsonl?$/i.test(file)) {
    const rows: Record<string, string>[] = [];
    const lines: number[] = [];
    const columns = new Set<string>();
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      let obj: unknown;
      try {
        obj = JSON.parse(line);
      } catch (cause) {
        throw retrainError(
          RetrainErrorCodes.RETRAIN_FRESH_INVALID,
          `${file}:${i + 1}: not JSON`,
          { file, line: i + 1 },
          cause,
        );
      }
      if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
        throw retrainError(RetrainErrorCodes.RETRAIN_FRESH_INVALID, `${file}:${i + 1}: not a JSON object`, {
          file,
          line: i + 1,
        });
      const row = Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, cellText(v)]));
      for (const k of Object.keys(row)) columns.add(k);
      rows.push(row);
      lines.push(i + 1);
    });
    return { columns: [...columns], rows, lines };
  }
  try {
    const t = parseCsv(text, file);
    return {
      columns: t.header,
      rows: t.rows.map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i] ?? '']))),
      lines: t.lines,
    };
  } catch (cause) {
    if (isOutpostError(cause))
      throw retrainError(
        RetrainErrorCodes.RETRAIN_FRESH_INVALID,
        `${file}: ${cause.message}`,
        { file, ...cause.details },
        cause,
      );
    throw cause;
  }
}

/** Reads the fresh file; every row needs `required` columns present and a parseable `timeColumn`. */
export function readFreshData(file: string, o: { timeColumn: string; required: readonly string[] }): FreshData {
  const t = readTable(file);
  for (const column of [o.timeColumn, ...o.required]) {
    if (!t.columns.includes(column))
      throw retrainError(RetrainErrorCodes.RETRAIN_FRESH_INVALID, `${file}: no column "${column}"`, { file, column });
  }
  const rows = t.rows.map((cells, i): FreshRow => {
    const at = parseTime(cells[o.timeColumn] ?? '');
    if (!Number.isFinite(at))
      throw retrainError(
        RetrainErrorCodes.RETRAIN_FRESH_INVALID,
        `${file}:${t.lines[i]}: "${cells[o.timeColumn]}" in ${o.timeColumn} is not a time`,
        { file, line: t.lines[i], column: o.timeColumn },
      );
    return { cells, at };
  });
  return { file, columns: t.columns, rows };
}

export interface HoldoutSplit {
  /** Fresh rows the challenger trains on (older than the window). */
  train: FreshRow[];
  /** The newest labelled window: scored, never trained on. */
  holdout: FreshRow[];
  from: number;
  to: number;
}

/**
 * Splits off the newest window: rows at or after `since` (ms), else the newest `fraction` of the
 * rows (at least one). Both parts must be non-empty.
 */
export function splitHoldout(data: FreshData, o: { since?: number; fraction?: number } = {}): HoldoutSplit {
  const sorted = [...data.rows].sort((a, b) => a.at - b.at);
  let cut: number;
  if (o.since !== undefined) {
    const since = o.since;
    cut = sorted.findIndex((r) => r.at >= since);
    if (cut < 0) cut = sorted.length;
  } else {
    const fraction = o.fraction ?? DEFAULT_HOLDOUT_FRACTION;
    cut = sorted.length - Math.max(1, Math.ceil(sorted.length * fraction));
  }
  const train = sorted.slice(0, cut);
  const holdout = sorted.slice(cut);
  if (holdout.length === 0 || train.length === 0)
    throw retrainError(
      RetrainErrorCodes.RETRAIN_FRESH_INVALID,
      `${data.file}: the holdout window leaves ${train.length} fresh rows to train on and ${holdout.length} to evaluate; both must be non-empty`,
      { file: data.file, train: train.length, holdout: holdout.length },
    );
  return { train, holdout, from: (holdout[0] as FreshRow).at, to: (holdout[holdout.length - 1] as FreshRow).at };
}
