/**
 * The housing rows every trainer bench uses, as the firmware-models/housing spec run sees them:
 * the spec's own split (stratified on median_income, seed 42) gives the fit rows (its `train`
 * rows) and the eval rows (its `validation` rows); the locked test rows are never transformed,
 * fitted on or scored. The spec's pipeline (cleaning and feature steps) is fitted on the fit rows.
 * `writeMatrixCsv` writes a design matrix or target for the Python side of a bench.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Dataset } from '../../trainer/src/data/dataset.ts';
import { column, encodeTarget, featureNames, loadSpecData } from '../../trainer/src/data/load.ts';
import { splitThreeWay } from '../../trainer/src/data/split3.ts';
import type { Matrix } from '../../trainer/src/models/learner.ts';
import type { SpecPipeline } from '../../trainer/src/preprocess/spec-pipeline.ts';
import { design, type RunData } from '../../trainer/src/run/cv.ts';
import { loadSpec } from '../../trainer/src/spec/load-spec.ts';

export const HOUSING_SPEC = fileURLToPath(new URL('../../firmware-models/housing/problem.yaml', import.meta.url));
export const SEED = 42;

export interface HousingData {
  /** The spec's columns as a run reads them (raw features, the target apart). */
  ds: Dataset;
  data: RunData;
  pipeline: SpecPipeline;
  fitRows: number[];
  evalRows: number[];
  fx: Matrix;
  ex: Matrix;
  fy: Float64Array;
  ey: Float64Array;
}

export function loadHousing(): HousingData {
  const loaded = loadSpec(HOUSING_SPEC);
  const { spec } = loaded;
  const table = loadSpecData(loaded).train;
  const split = splitThreeWay(table, spec.split, spec.seed);
  const columns = featureNames(
    spec,
    table.columns.map((c) => c.name),
  ).map((n) => column(table, n));
  const target = { kind: 'numeric' as const, name: spec.target.column, values: encodeTarget(table, spec).values };
  const data: RunData = { spec, table, columns, target };
  const fitRows = [...split.train].sort((a, b) => a - b);
  const evalRows = [...split.validation].sort((a, b) => a - b);
  const d = design(data, fitRows, evalRows);
  return {
    ds: { source: table.source, rowCount: table.rowCount, features: columns, target, lines: table.lines },
    data,
    pipeline: d.pipeline,
    fitRows: d.train.rows,
    evalRows,
    fx: d.train.x,
    ex: d.held.x,
    fy: d.train.y,
    ey: d.held.y,
  };
}

export function writeMatrixCsv(path: string, m: Matrix | Float64Array): void {
  const lines: string[] = [];
  if (m instanceof Float64Array) for (const v of m) lines.push(String(v));
  else
    for (let r = 0; r < m.rows; r++)
      lines.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols), String).join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}
