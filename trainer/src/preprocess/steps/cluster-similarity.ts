import { CLUSTER_SIMILARITY_OP, clusterSimilarityNames, type FittedClusterSimilarity } from '@outpost/protocol';
import type { z } from 'zod';
import { kMeans } from '../../models/kmeans.ts';
import type { ClusterSimilarityStep } from '../../spec/steps.ts';
import { f32, numericColumn, stepError, type Frame } from './frame.ts';

/**
 * Similarity to k-means centres: `<name>_j` = exp(−gamma · ‖x − c_j‖²) for j = 0 … k−1, x the
 * step's columns. The centres are fitted on the training rows (k-means++, Lloyd, restarts; see
 * `models/kmeans.ts`) and stored as float32 numbers. The apply half, in float32 as the graph
 * computes it, is protocol/src/pipeline/steps/cluster-similarity.ts, shared with the device.
 */
export type { FittedClusterSimilarity };
export { CLUSTER_SIMILARITY_OP, clusterSimilarityNames };

export function fitClusterSimilarity(
  step: z.infer<typeof ClusterSimilarityStep>,
  frame: Frame,
  defaultSeed = 0,
): FittedClusterSimilarity {
  const op = CLUSTER_SIMILARITY_OP;
  const cols = step.columns.map((c) => numericColumn(frame, c, op));
  if (!(Number.isInteger(step.k) && step.k >= 1))
    throw stepError(op, step.name, `k must be an integer ≥ 1, got ${step.k}`);
  if (!(step.gamma > 0 && Number.isFinite(step.gamma)))
    throw stepError(op, step.name, `gamma must be a finite number > 0, got ${step.gamma}`);
  const d = cols.length;
  const data: number[] = [];
  for (let i = 0; i < frame.rows; i++) {
    const point = cols.map((c) => c[i] as number);
    if (point.every((v) => Number.isFinite(v))) data.push(...point);
  }
  const n = data.length / d;
  if (n === 0) throw stepError(op, step.name, 'no training rows with every column present to cluster');
  const { centres } = kMeans({ data: Float64Array.from(data), n, d }, { k: step.k, seed: step.seed ?? defaultSeed });
  return {
    op: 'cluster_similarity',
    name: step.name,
    columns: [...step.columns],
    centres: centres.map((c) => Array.from(c, f32)),
    gamma: f32(step.gamma),
  };
}
