/**
 * A SQLite table or query as raw text cells, so it goes through the same type inference as a CSV.
 * Opened read-only: reading training data must never change it.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { RawTable } from './load.ts';

export interface SqliteQuery {
  table?: string;
  query?: string;
}

export function readSqliteRaw(path: string, q: SqliteQuery): RawTable {
  const what = q.query !== undefined ? 'query' : `table ${q.table ?? '?'}`;
  const source = `${path} (${what})`;
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (cause) {
    throw trainerError(
      TrainerErrorCodes.DATA_UNREADABLE,
      `${path}: cannot open the SQLite file`,
      { file: path },
      cause,
    );
  }
  try {
    const sql = q.query ?? `SELECT * FROM "${(q.table ?? '').replaceAll('"', '""')}"`;
    let header: string[];
    let records: unknown[][];
    try {
      const stmt = db.prepare(sql).raw(true);
      header = stmt.columns().map((c) => c.name);
      records = stmt.all() as unknown[][];
    } catch (cause) {
      throw trainerError(
        TrainerErrorCodes.DATA_SQLITE,
        `${source}: ${(cause as Error).message}`,
        { file: path, sql },
        cause,
      );
    }
    if (records.length === 0) throw trainerError(TrainerErrorCodes.DATA_EMPTY, `${source}: no rows`, { file: path });
    const rows = records.map((rec) => rec.map(cellText));
    const hash = createHash('sha256');
    hash.update(header.join(',') + '\n');
    for (const r of rows) hash.update(r.join('\u001f') + '\n');
    return {
      source,
      file: path,
      header,
      rows,
      lines: rows.map((_, i) => i + 1),
      lineKind: 'row',
      sha256: hash.digest('hex'),
    };
  } finally {
    db.close();
  }
}

function cellText(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('base64');
  return String(v);
}
