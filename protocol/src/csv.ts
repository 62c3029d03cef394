import { ErrorCodes, OutpostError } from './errors.ts';

/**
 * A small RFC 4180 CSV reader shared by the trainer (data loading) and the device (CSV replay):
 * header row, quoted fields with "" escapes, CRLF or LF. Pure: it reads text, not files.
 * Errors carry `details.line` (1-based) and, where known, `details.column`.
 */
export interface CsvTable {
  header: string[];
  /** Each row has exactly header.length fields. */
  rows: string[][];
  /** 1-based source line of each row, for error messages downstream. */
  lines: number[];
}

export const CSV_ERROR = ErrorCodes.CSV;

export function parseCsv(text: string, source = 'csv'): CsvTable {
  const records = readRecords(text, source);
  const first = records[0];
  if (!first || (first.fields.length === 1 && first.fields[0] === '')) {
    throw new OutpostError(CSV_ERROR, `${source}: empty file (no header row)`, { details: { source, line: 1 } });
  }
  const header = first.fields.map((h) => h.trim());
  const rows: string[][] = [];
  const lines: number[] = [];
  for (let r = 1; r < records.length; r++) {
    const rec = records[r] as Record_;
    if (rec.fields.length === 1 && rec.fields[0] === '') continue; // blank line
    if (rec.fields.length !== header.length) {
      throw new OutpostError(
        CSV_ERROR,
        `${source}:${rec.line}: ${rec.fields.length} fields, header has ${header.length}`,
        {
          details: { source, line: rec.line, column: Math.min(rec.fields.length, header.length) + 1 },
        },
      );
    }
    rows.push(rec.fields);
    lines.push(rec.line);
  }
  return { header, rows, lines };
}

interface Record_ {
  fields: string[];
  line: number;
}

function readRecords(text: string, source: string): Record_[] {
  const out: Record_[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let i = 0;
  const n = text.length;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // BOM
  while (i < n) {
    const c = text[i] as string;
    if (c === '"' && field === '') {
      // quoted field
      const startLine = line;
      i++;
      for (;;) {
        if (i >= n) {
          throw new OutpostError(CSV_ERROR, `${source}:${startLine}: unterminated quoted field`, {
            details: { source, line: startLine, column: fields.length + 1 },
          });
        }
        const q = text[i] as string;
        if (q === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        if (q === '\n') line++;
        field += q;
        i++;
      }
      const next = text[i];
      if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
        throw new OutpostError(CSV_ERROR, `${source}:${line}: text after a closing quote`, {
          details: { source, line, column: fields.length + 1 },
        });
      }
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\r' || c === '\n') {
      fields.push(field);
      out.push({ fields, line: recordLine });
      fields = [];
      field = '';
      if (c === '\r' && text[i + 1] === '\n') i++;
      i++;
      line++;
      recordLine = line;
      continue;
    }
    field += c;
    i++;
  }
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    out.push({ fields, line: recordLine });
  }
  return out;
}
