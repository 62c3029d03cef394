/**
 * The housing rows every trainer bench uses: the TRAINING rows of the foundation's stratified split
 * (the held-out test rows are never read), split 80/20 (seeded) into fit / eval rows, with the
 * preprocessing pipeline fitted on the fit rows. `writeMatrixCsv` writes a design matrix or target
 * for the Python side of a bench.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadDatasetFile, type Dataset } from '../../trainer/src/data/dataset.ts';
import { incomeCategory, stratifiedSplit } from '../../trainer/src/data/split.ts';
import { HOUSING } from '../../trainer/src/housing.ts';
import { matrix, type Matrix } from '../../trainer/src/models/learner.ts';
import { fitPipeline, transformRows, type Pipeline } from '../../trainer/src/preprocess/pipeline.ts';
import { mulberry32, shuffled } from '../../trainer/src/random.ts';
import { pick } from '../../trainer/src/stats.ts';

const HOUSING_CSV = fileURLToPath(new URL('../../trainer/datasets/california-housing/housing.csv', import.meta.url));
export const SEED = 42;

export interface HousingData {
  ds: Dataset;
  pipeline: Pipeline;
  fitRows: number[];
  evalRows: number[];
  fx: Matrix;
  ex: Matrix;
  fy: Float64Array;
  ey: Float64Array;
}

export function loadHousing(): HousingData {
  const ds = loadDatasetFile(HOUSING_CSV, { target: HOUSING.target, expectNumeric: HOUSING.numeric });
  const income = ds.features.find((c) => c.name === HOUSING.stratifyOn);
  const strata = income?.kind === 'numeric' ? Array.from(income.values, incomeCategory) : [];
  const { train } = stratifiedSplit(strata, HOUSING.testFraction, SEED);
  const order = shuffled(train, mulberry32(SEED + 1));
  const cut = Math.round(order.length * 0.8);
  const fitRows = order.slice(0, cut).sort((a, b) => a - b);
  const evalRows = order.slice(cut).sort((a, b) => a - b);
  const pipeline = fitPipeline(ds, fitRows);
  return {
    ds,
    pipeline,
    fitRows,
    evalRows,
    fx: matrix(transformRows(pipeline, ds, fitRows), pipeline.width),
    ex: matrix(transformRows(pipeline, ds, evalRows), pipeline.width),
    fy: pick(ds.target.values, fitRows),
    ey: pick(ds.target.values, evalRows),
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
