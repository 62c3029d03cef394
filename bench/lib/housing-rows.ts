/**
 * The housing rows every trainer bench uses: the train + validation rows of the firmware-models/
 * housing spec's split (the locked test rows are never read), split 80/20 (seeded) into fit / eval
 * rows, with a fixed, small preprocessing fitted on the fit rows: median imputation of every
 * numeric column, one-hot of ocean_proximity, standard scaling of the numeric columns (13 design
 * columns; the same rows and preprocessing as before the spec path, float32 constants). It is a spec
 * pipeline (`fitSpecPipeline`), so a bench artifact carries it as `emitPreprocessing` writes it.
 * `writeMatrixCsv` writes a design matrix or target for the Python side of a bench.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  CleaningStep,
  FeatureStep,
  column,
  encodeTarget,
  fitSpecPipeline,
  loadSpec,
  loadSpecData,
  mulberry32,
  specFeatureColumns,
  splitAndLock,
  transformSpec,
  type Column,
  type LoadedSpec,
  type Matrix,
  type SpecPipeline,
  type Table,
} from '@outpost/trainer';

export const HOUSING_SPEC = fileURLToPath(new URL('../../firmware-models/housing/problem.yaml', import.meta.url));
export const SEED = 42;

export interface HousingData {
  loaded: LoadedSpec;
  /** The spec's train + validation rows (no test row). */
  table: Table;
  /** The raw feature columns of `table`. */
  columns: Column[];
  /** The encoded target of `table`. */
  y: Float64Array;
  pipeline: SpecPipeline;
  /** Row indices into `table`. */
  fitRows: number[];
  evalRows: number[];
  fx: Matrix;
  ex: Matrix;
  fy: Float64Array;
  ey: Float64Array;
}

/** A seeded Fisher–Yates shuffle (the trainer's order, so the fit / eval rows stay the same). */
function shuffled<T>(items: readonly T[], rng: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const tmp = out[i] as T;
    out[i] = out[j] as T;
    out[j] = tmp;
  }
  return out;
}

export function loadHousing(): HousingData {
  const loaded = loadSpec(HOUSING_SPEC);
  const { spec } = loaded;
  const { table } = splitAndLock(loadSpecData(loaded), spec);
  const columns = specFeatureColumns(
    spec,
    table.columns.map((c) => c.name),
  ).map((n) => column(table, n));
  const y = encodeTarget(table, spec).values;
  const order = shuffled(
    Array.from({ length: table.rowCount }, (_, i) => i),
    mulberry32(SEED + 1),
  );
  const cut = Math.round(order.length * 0.8);
  const fitRows = order.slice(0, cut).sort((a, b) => a - b);
  const evalRows = order.slice(cut).sort((a, b) => a - b);
  const numeric = columns.filter((c) => c.kind === 'numeric').map((c) => c.name);
  const categorical = columns.filter((c) => c.kind === 'categorical').map((c) => c.name);
  const { pipeline: fitted } = fitSpecPipeline({
    columns,
    rows: fitRows,
    cleaning: [CleaningStep.parse({ op: 'impute', columns: numeric, strategy: 'median' })],
    features: [
      FeatureStep.parse({ op: 'onehot', columns: categorical }),
      FeatureStep.parse({ op: 'scale', method: 'standard' }),
    ],
  });
  // Only the numeric columns are scaled: the one-hot columns pass through as (x − 0) / 1.
  const pipeline: SpecPipeline = {
    ...fitted,
    steps: fitted.steps.map((step) =>
      step.op === 'scale'
        ? {
            ...step,
            mean: step.mean.map((m, j) => (fitted.features[j]?.includes('=') ? 0 : m)),
            std: step.std.map((sd, j) => (fitted.features[j]?.includes('=') ? 1 : sd)),
          }
        : step,
    ),
  };
  const pick = (rows: number[]): Float64Array => Float64Array.from(rows, (r) => y[r] as number);
  return {
    loaded,
    table,
    columns,
    y,
    pipeline,
    fitRows,
    evalRows,
    fx: transformSpec(pipeline, columns, fitRows),
    ex: transformSpec(pipeline, columns, evalRows),
    fy: pick(fitRows),
    ey: pick(evalRows),
  };
}

/** Raw graph inputs for `rows`: one [n, 1] column per pipeline input (numbers as float32, strings). */
export function rawFeeds(
  h: HousingData,
  rows: readonly number[],
): Record<string, { type: 'float32'; data: Float32Array } | { type: 'string'; data: string[] }> {
  const feeds: Record<string, { type: 'float32'; data: Float32Array } | { type: 'string'; data: string[] }> = {};
  for (const input of h.pipeline.inputs) {
    const c = column(h.table, input.name);
    if (c.kind === 'numeric')
      feeds[c.name] = { type: 'float32', data: Float32Array.from(rows, (r) => c.values[r] as number) };
    else feeds[c.name] = { type: 'string', data: rows.map((r) => c.values[r] as string) };
  }
  return feeds;
}

/** Raw records for `rows`, as a device sends them (missing numbers null). */
export function rawRecords(h: HousingData, rows: readonly number[]): Record<string, number | string | null>[] {
  return rows.map((r) =>
    Object.fromEntries(
      h.pipeline.inputs.map((input) => {
        const v = column(h.table, input.name).values[r] as number | string;
        return [input.name, typeof v === 'number' && Number.isNaN(v) ? null : v];
      }),
    ),
  );
}

export function writeMatrixCsv(path: string, m: Matrix | Float64Array): void {
  const lines: string[] = [];
  if (m instanceof Float64Array) for (const v of m) lines.push(String(v));
  else
    for (let r = 0; r < m.rows; r++)
      lines.push(Array.from(m.data.subarray(r * m.cols, (r + 1) * m.cols), String).join(','));
  writeFileSync(path, `${lines.join('\n')}\n`);
}
