import { choleskySolve } from './linalg.ts';

/** y ≈ x · weights + intercept. */
export interface LinearModel {
  weights: Float64Array;
  intercept: number;
}

/**
 * Ridge regression by the normal equations on centred data: (XcᵀXc + αI) w = Xcᵀyc and
 * b = ȳ − x̄·w. Centring leaves the intercept unpenalised, and with α > 0 the system stays
 * positive definite even when one-hot columns sum to the intercept column.
 * `x` is row-major n×width.
 */
export function fitRidge(x: Float64Array, y: ArrayLike<number>, width: number, alpha: number): LinearModel {
  const n = y.length;
  const xMean = columnMeans(x, n, width);
  let yMean = 0;
  for (let i = 0; i < n; i++) yMean += y[i] as number;
  yMean /= n;
  const gram = new Float64Array(width * width);
  const rhs = new Float64Array(width);
  const row = new Float64Array(width);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < width; j++) row[j] = (x[i * width + j] as number) - (xMean[j] as number);
    const yc = (y[i] as number) - yMean;
    for (let j = 0; j < width; j++) {
      const rj = row[j] as number;
      rhs[j] = (rhs[j] as number) + rj * yc;
      for (let k = 0; k <= j; k++) gram[j * width + k] = (gram[j * width + k] as number) + rj * (row[k] as number);
    }
  }
  for (let j = 0; j < width; j++) {
    for (let k = 0; k < j; k++) gram[k * width + j] = gram[j * width + k] as number;
    gram[j * width + j] = (gram[j * width + j] as number) + alpha;
  }
  const weights = choleskySolve(gram, rhs, width);
  let intercept = yMean;
  for (let j = 0; j < width; j++) intercept -= (weights[j] as number) * (xMean[j] as number);
  return { weights, intercept };
}

function columnMeans(x: Float64Array, n: number, width: number): Float64Array {
  const m = new Float64Array(width);
  for (let i = 0; i < n; i++) for (let j = 0; j < width; j++) m[j] = (m[j] as number) + (x[i * width + j] as number);
  for (let j = 0; j < width; j++) m[j] = (m[j] as number) / n;
  return m;
}

export function predictLinear(model: LinearModel, x: Float64Array, width: number): Float64Array {
  const n = x.length / width;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = model.intercept;
    for (let j = 0; j < width; j++) s += (x[i * width + j] as number) * (model.weights[j] as number);
    out[i] = s;
  }
  return out;
}
