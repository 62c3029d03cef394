import { pipelineStepError } from '../errors.ts';
import { addNumeric, f32, numericColumn, type PipelineFrame } from '../frame.ts';

/**
 * Similarity to fitted cluster centres: `<name>_j` = exp(−gamma · ‖x − c_j‖²) for j = 0 … k−1, x
 * the step's columns. Computed as the ONNX graph does, float32 rounding after each operation: per
 * column d = x − c, then d·d, summed in column order, times −gamma, then exp (only exp may differ
 * from the graph's, by about an ulp). The trainer fits the centres (k-means, float32 numbers).
 */
export interface FittedClusterSimilarity {
  op: 'cluster_similarity';
  name: string;
  /** The numeric columns read, in order (the coordinates of the centres). */
  columns: string[];
  /** k ≥ 1 centres × columns.length, float32 numbers. */
  centres: number[][];
  /** float32, > 0. */
  gamma: number;
}

export const CLUSTER_SIMILARITY_OP = 'cluster_similarity';

/** The design columns the step adds, in order. */
export function clusterSimilarityNames(s: Pick<FittedClusterSimilarity, 'name' | 'centres'>): string[] {
  return s.centres.map((_, j) => `${s.name}_${j}`);
}

/** Why the centres do not fit the columns (no centre, or a centre of another width), or null. */
export function centresShapeProblem(s: Pick<FittedClusterSimilarity, 'columns' | 'centres'>): string | null {
  if (s.centres.length === 0) return 'no centres';
  const j = s.centres.findIndex((c) => c.length !== s.columns.length);
  return j < 0 ? null : `centre ${j} has ${s.centres[j]?.length} coordinates for ${s.columns.length} columns`;
}

export function applyClusterSimilarity(s: FittedClusterSimilarity, frame: PipelineFrame): void {
  const op = CLUSTER_SIMILARITY_OP;
  const problem = centresShapeProblem(s);
  if (problem !== null) throw pipelineStepError(op, s.name, problem);
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
