/**
 * Missing-value codes (the spec's `missing`, and a source's own `missing`): a cell equal to a code
 * becomes empty — the trainer's one spelling of "missing" — before column types are inferred, so a
 * `-200` outage code is never read as a reading and `NA` never turns a numeric column into text.
 * A number matches numerically (`-200` matches `-200`, `-200.0` and `-2e2`); text matches the
 * trimmed cell exactly.
 */
import type { ProblemSpec } from '../spec/problem-spec.ts';
import type { RawTable } from './load.ts';

type Code = number | string;

function matcher(codes: readonly Code[]): (cell: string) => boolean {
  const numbers = new Set(codes.filter((c): c is number => typeof c === 'number'));
  const texts = new Set(codes.filter((c): c is string => typeof c === 'string').map((c) => c.trim()));
  return (cell) => {
    const s = cell.trim();
    if (texts.has(s)) return true;
    if (numbers.size === 0 || s === '') return false;
    const v = Number(s);
    return Number.isFinite(v) && numbers.has(v);
  };
}

/** `raw` with every cell that matches a code of its column emptied (a new table; `raw` is not changed). */
export function applyMissingCodes(
  raw: RawTable,
  spec: Pick<ProblemSpec, 'missing'>,
  sourceCodes: readonly Code[] = [],
): RawTable {
  const specCodes = spec.missing;
  const perColumn = raw.header.map((name) => {
    const codes: Code[] = [...sourceCodes];
    if (Array.isArray(specCodes)) codes.push(...specCodes);
    else if (specCodes?.[name]) codes.push(...specCodes[name]);
    return codes.length === 0 ? undefined : matcher(codes);
  });
  if (perColumn.every((m) => m === undefined)) return raw;
  const rows = raw.rows.map((row) => row.map((cell, c) => (perColumn[c]?.(cell) ? '' : cell)));
  return { ...raw, rows };
}
