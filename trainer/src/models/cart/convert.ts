/**
 * From bin space to raw values: a split "bin ≤ b" on feature f becomes x[f] ≤ thresholds[f][b],
 * which sends every training value to the same side (binner.ts), so `leafOf` on the raw design
 * matrix reaches the leaf the binned rows reached.
 */
import type { FeatureBins } from '../binner.ts';
import type { Tree } from '../tree.ts';
import type { GrownTree } from './grow.ts';

export function toRawTree(g: GrownTree, fb: FeatureBins): Tree {
  const n = g.feature.length;
  const threshold = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    const f = g.feature[j] as number;
    if (f < 0) continue;
    const own = g.threshold[j] as number;
    threshold[j] = Number.isNaN(own) ? ((fb.thresholds[f] as Float64Array)[g.bin[j] as number] as number) : own;
  }
  return { feature: g.feature, threshold, left: g.left, right: g.right, value: g.value, outputs: g.outputs };
}

/** The leaf row `r` of a column-major binned matrix reaches. */
export function binnedLeafOf(g: GrownTree, bins: Uint16Array, rows: number, r: number): number {
  let node = 0;
  for (;;) {
    const f = g.feature[node] as number;
    if (f < 0) return node;
    node =
      (bins[f * rows + r] as number) <= (g.bin[node] as number) ? (g.left[node] as number) : (g.right[node] as number);
  }
}
