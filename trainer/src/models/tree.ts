/**
 * The fitted-tree representation shared by CART, the random forest and GBDT, and read by the ONNX
 * exporter (ai.onnx.ml TreeEnsembleRegressor / TreeEnsembleClassifier). Nodes are numbered from 0
 * (the root); an internal node sends a row left when x[feature] ≤ threshold (BRANCH_LEQ), a leaf
 * has feature −1 and carries `value` (one value per output for multi-output leaves).
 */
export interface Tree {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf values, row-major nodes × outputs (internal nodes hold 0). */
  value: Float64Array;
  outputs: number;
}

/**
 * A tree ensemble as ONNX models it: each tree adds its leaf values into the outputs it targets,
 * the sums are averaged (forest) or kept (boosting), a base value is added and a post-transform
 * applied (identity for regression; logistic or softmax for classification scores).
 */
export interface TreeEnsemble {
  trees: Tree[];
  /** For single-output trees in a multi-output ensemble: the output each tree adds to. */
  treeOutput?: Int32Array;
  outputs: number;
  base: Float64Array;
  aggregate: 'sum' | 'average';
  post: 'identity' | 'logistic' | 'softmax';
}

/** The leaf a row reaches. `data` is a row-major matrix, `offset` the row's first element. */
export function leafOf(tree: Tree, data: Float64Array, offset: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node] as number;
    if (f < 0) return node;
    node =
      (data[offset + f] as number) <= (tree.threshold[node] as number)
        ? (tree.left[node] as number)
        : (tree.right[node] as number);
  }
}

/** Raw ensemble scores before the post-transform, row-major rows × outputs. */
export function ensembleScores(e: TreeEnsemble, data: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * e.outputs);
  for (let r = 0; r < rows; r++) {
    const o = r * e.outputs;
    for (let t = 0; t < e.trees.length; t++) {
      const tree = e.trees[t] as Tree;
      const leaf = leafOf(tree, data, r * cols);
      if (tree.outputs === 1 && e.treeOutput) {
        const k = e.treeOutput[t] as number;
        out[o + k] = (out[o + k] as number) + (tree.value[leaf] as number);
      } else {
        for (let k = 0; k < tree.outputs; k++)
          out[o + k] = (out[o + k] as number) + (tree.value[leaf * tree.outputs + k] as number);
      }
    }
    const scale =
      e.aggregate === 'average' && e.trees.length > 0
        ? e.treeOutput
          ? e.trees.length / e.outputs
          : e.trees.length
        : 1;
    for (let k = 0; k < e.outputs; k++) out[o + k] = (out[o + k] as number) / scale + (e.base[k] as number);
  }
  return out;
}

/** Applies the ensemble's post-transform in place. */
export function postTransform(e: TreeEnsemble, scores: Float64Array): Float64Array {
  if (e.post === 'logistic')
    for (let i = 0; i < scores.length; i++) scores[i] = 1 / (1 + Math.exp(-(scores[i] as number)));
  else if (e.post === 'softmax') {
    for (let o = 0; o < scores.length; o += e.outputs) {
      let max = -Infinity;
      for (let k = 0; k < e.outputs; k++) max = Math.max(max, scores[o + k] as number);
      let sum = 0;
      for (let k = 0; k < e.outputs; k++) sum += scores[o + k] = Math.exp((scores[o + k] as number) - max);
      for (let k = 0; k < e.outputs; k++) scores[o + k] = (scores[o + k] as number) / sum;
    }
  }
  return scores;
}

export function treeNodeCount(e: TreeEnsemble): number {
  return e.trees.reduce((s, t) => s + t.feature.length, 0);
}
