import { addNumeric, categoricalColumn, numericColumn, type PipelineFrame } from '../frame.ts';

/** One column's imputation: missing (NaN / '') → `fill`, optionally with a 0/1 indicator column. */
export interface FittedImpute {
  op: 'impute';
  column: string;
  kind: 'numeric' | 'categorical';
  /** float32 for a numeric column, a category for a categorical one. */
  fill: number | string;
  /** Name of the `<column>_missing` indicator, or null. */
  indicator: string | null;
}

export function applyImpute(s: FittedImpute, frame: PipelineFrame): void {
  const missing = new Float64Array(frame.rows);
  if (s.kind === 'numeric') {
    const col = numericColumn(frame, s.column, 'impute');
    for (let i = 0; i < col.length; i++) {
      if (Number.isNaN(col[i] as number)) {
        col[i] = s.fill as number;
        missing[i] = 1;
      }
    }
  } else {
    const col = categoricalColumn(frame, s.column, 'impute');
    for (let i = 0; i < col.length; i++) {
      if (col[i] === '') {
        col[i] = s.fill as string;
        missing[i] = 1;
      }
    }
  }
  if (s.indicator !== null) addNumeric(frame, s.indicator, missing, 'impute');
}
