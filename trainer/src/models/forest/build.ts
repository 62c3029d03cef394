/**
 * One forest tree, given only the shared job and the tree's index: the bootstrap sample and the
 * feature draws come from a seed derived from (seed, index), so a tree is the same whichever
 * thread builds it. Also returns the tree's out-of-bag predictions for the OOB score.
 */
import { mulberry32 } from '../../random.ts';
import { binnedLeafOf } from '../cart/convert.ts';
import { growData, type GrowData } from '../cart/grow-data.ts';
import { growTree, growWorkspace, type GrownTree, type GrowWorkspace } from '../cart/grow.ts';
import type { GrowParams } from '../cart/params.ts';

/** Everything a thread needs (the binned data as the tree grower reads it); the arrays may live in SharedArrayBuffers. */
export interface ForestJob extends Pick<GrowData, 'rows' | 'cols' | 'bins' | 'y' | 'labels' | 'classes' | 'values'> {
  grow: GrowParams;
  seed: number;
  bootstrap: boolean;
}

export interface TreeResult {
  index: number;
  tree: GrownTree;
  /** Rows left out of this tree's bootstrap sample, ascending. */
  oobRows: Uint32Array;
  /** The tree's leaf values for those rows, oobRows.length × outputs. */
  oobValues: Float64Array;
}

/** Seed of tree `i`: a hash of (seed, i), so trees are independent of the thread split. */
export function treeSeed(seed: number, i: number): number {
  const mix = mulberry32(((seed >>> 0) ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0);
  return Math.floor(mix() * 4294967296);
}

/** Builds trees one after another with buffers allocated once per thread. */
export class ForestBuilder {
  private readonly data: GrowData;
  private readonly ws: GrowWorkspace;
  private readonly idx: Uint32Array;

  constructor(private readonly job: ForestJob) {
    this.data = growData(
      { rows: job.rows, cols: job.cols, bins: job.bins },
      job.y,
      job.labels,
      job.classes,
      new Float64Array(job.rows),
      job.values,
    );
    this.ws = growWorkspace(this.data);
    this.idx = new Uint32Array(job.rows);
  }

  build(index: number): TreeResult {
    const { rows: n, bootstrap, classes } = this.job;
    const { weight, wy, y } = this.data;
    const rng = mulberry32(treeSeed(this.job.seed, index));
    if (bootstrap) {
      weight.fill(0);
      for (let j = 0; j < n; j++) {
        const r = Math.floor(rng() * n);
        weight[r] = (weight[r] as number) + 1;
      }
    } else weight.fill(1);
    let count = 0;
    let oobCount = 0;
    for (let r = 0; r < n; r++) {
      const w = weight[r] as number;
      if (w > 0) this.idx[count++] = r;
      else oobCount++;
      if (classes === 0) wy[r] = w * (y[r] as number);
    }
    const tree = growTree(this.data, this.idx, count, this.job.grow, rng, this.ws);
    const outputs = tree.outputs;
    const oobRows = new Uint32Array(oobCount);
    const oobValues = new Float64Array(oobCount * outputs);
    for (let r = 0, o = 0; r < n; r++) {
      if ((weight[r] as number) > 0) continue;
      const leaf = binnedLeafOf(tree, this.job.bins, n, r);
      oobRows[o] = r;
      for (let c = 0; c < outputs; c++) oobValues[o * outputs + c] = tree.value[leaf * outputs + c] as number;
      o++;
    }
    return { index, tree, oobRows, oobValues };
  }
}

/** Buffers to hand over (not copy) when a worker posts its results. */
export function transferables(results: readonly TreeResult[]): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const r of results) {
    const t = r.tree;
    for (const a of [t.feature, t.bin, t.left, t.right, t.value, r.oobRows, r.oobValues])
      out.push(a.buffer as ArrayBuffer);
  }
  return out;
}
