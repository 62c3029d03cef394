import type { z } from 'zod';
import { kMeans } from '../../models/kmeans.ts';
import type { ClusterSimilarityStep } from '../../spec/steps.ts';
import { addNumeric, f32, numericColumn, stepError, type Frame } from './frame.ts';

/**
 * Similarity to k-means centres: `<name>_j` = exp(−gamma · ‖x − c_j‖²) for j = 0 … k−1, x the
 * step's columns. The centres are fitted on the training rows (k-means++, Lloyd, restarts; see
 * `models/kmeans.ts`) and stored as float32 numbers. The distance is computed as the graph does:
 * per column d = x − c, d·d, summed in column order, times −gamma, then exp — float32 rounding
 * after each operation (only exp may differ from the device by about an ulp).
 */
export interface FittedClusterSimilarity {
  op: 'cluster_similarity';
  name: string;
  /** The numeric columns read, in order (the coordinates of the centres). */
  columns: string[];
  /** k centres × columns.length, float32 numbers. */
  centres: number[][];
  /** float32. */
  gamma: number;
}

export const CLUSTER_SIMILARITY_OP = 'cluster_similarity';

/** The design columns the step adds, in order. */
export function clusterSimilarityNames(s: Pick<FittedClusterSimilarity, 'name' | 'centres'>): string[] {
  return s.centres.map((_, j) => `${s.name}_${j}`);
}

export function fitClusterSimilarity(step: z.infer<typeof ClusterSimilarityStep>, frame: Frame, defaultSeed = 0): FittedClusterSimilarity {
  const op = CLUSTER_SIMILARITY_OP;
  const cols = step.columns.map((c) => numericColumn(frame, c, op));
  if (!(Number.isInteger(step.k) && step.k >= 1)) throw stepError(op, step.name, `k must be an integer ≥ 1, got ${step.k}`);
  if (!(step.gamma > 0 && Number.isFinite(step.gamma))) throw stepError(op, step.name, `gamma must be a finite number > 0, got ${step.gamma}`);
  const d = cols.length;
  const data: number[] = [];
  for (let i = 0; i < frame.rows; i++) {
    const point = cols.map((c) => c[i] as number);
    if (point.every((v) => Number.isFinite(v))) data.push(...point);
  }
  const n = data.length / d;
  if (n === 0) throw stepError(op, step.name, 'no training rows with every column present to cluster');
  const { centres } = kMeans({ data: Float64Array.from(data), n, d }, { k: step.k, seed: step.seed ?? defaultSeed });
  return { op: 'cluster_similarity', name: step.name, columns: [...step.columns], centres: centres.map((c) => Array.from(c, f32)), gamma: f32(step.gamma) };
}

export function applyClusterSimilarity(s: FittedClusterSimilarity, frame: Frame): void {
  const op = CLUSTER_SIMILARITY_OP;
  const cols = s.columns.map((c) => numericColumn(frame, c, op));
  const negGamma = -s.gamma;
  const names = clusterSimilarityNames(s);
  s.centres.forEach((centre, j) => {
    const out = new Float64Array(frame.rows);
    for (let i = 0; i < frame.rows; i++) {
      let sum = 0;
      for (let c = 0; c < cols.length; c++) {
        const diff = f32(((cols[c] as Float64Array)[i] as number) - (centre[c] as number));
        const sq = f32(diff * diff);
        sum = c === 0 ? sq : f32(sum + sq);
      }
      out[i] = f32(Math.exp(f32(sum * negGamma)));
    }
    addNumeric(frame, names[j] as string, out, op);
  });
}
