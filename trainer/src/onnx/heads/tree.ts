/**
 * Tree-ensemble head (CART, random forest, GBDT): one ai.onnx.ml TreeEnsembleRegressor (ml opset 3)
 * producing the raw scores, then an explicit Sigmoid / Softmax for classification scores.
 *
 * Exactness: the design tensor is cast to double and thresholds, leaf weights and base values are
 * given as `*_as_tensor` double attributes (they must match the input type), so every comparison
 * x ≤ threshold is the float64 comparison `predict` makes (design values are float32 numbers, exact
 * in double) and onnxruntime sums the leaves in double; the scores are rounded to float32 once.
 * Averaging is folded into the leaf weights (value / trees per output), so the op aggregates SUM.
 * Size (compact-trees.ts, bench/tree-compaction.ts): by default the exact compactions are applied
 * and thresholds are stored as float32 `nodes_values` rounded down, which decides every float32
 * design value the same way as the double threshold; leaf weights stay double.
 * The classifier op is not used: its post-transforms and label output differ between opsets and
 * its probabilities for averaged class leaves are the same scores this head already produces.
 */
import onnxProto from 'onnx-proto';
import type { TreeEnsemble } from '../../models/tree.ts';
import { EXACT_COMPACTION, compactEnsemble, floorToFloat32, type CompactOptions } from '../compact-trees.ts';
import { binaryFromLogit, constantRows, headError, numbers, type HeadContext } from './common.ts';

const { onnx } = onnxProto;
const ML = 'ai.onnx.ml';

interface TreeJSON {
  feature: ArrayLike<number>;
  threshold: ArrayLike<number>;
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  value: ArrayLike<number>;
  outputs: number;
}

/**
 * How trees are written. `compact`: compact-trees.ts options (default the exact ones; false: none).
 * `thresholds`: 'float32' (default, exact, 4 bytes) or 'float64'. `leaves`: 'float64' (default) or
 * 'float32' (leaf weights rounded to float32, still summed in double). `compute`: 'double' (default)
 * or 'float' (no Cast: thresholds, leaves and sums in float32 — forces both to float32).
 */
export interface TreeExportOptions {
  compact?: CompactOptions | false;
  thresholds?: 'float32' | 'float64';
  leaves?: 'float32' | 'float64';
  compute?: 'double' | 'float';
}

function doubles(name: string, values: readonly number[]): onnxProto.onnx.IAttributeProto {
  return {
    name,
    type: onnx.AttributeProto.AttributeType.TENSOR,
    t: { dataType: onnx.TensorProto.DataType.DOUBLE, dims: [values.length], doubleData: [...values] },
  };
}

/** Reads a TreeEnsemble from a fitted model's toJSON (typed arrays or plain arrays). */
export function ensembleOf(json: unknown): TreeEnsemble {
  const e = json as {
    trees?: unknown;
    treeOutput?: unknown;
    outputs?: unknown;
    base?: unknown;
    aggregate?: unknown;
    post?: unknown;
  };
  if (!Array.isArray(e.trees) || typeof e.outputs !== 'number') throw headError('not a tree ensemble');
  const outputs = e.outputs;
  const trees = (e.trees as TreeJSON[]).map((t, i) => {
    const n = (t.feature as ArrayLike<number>).length;
    return {
      feature: Int32Array.from(t.feature),
      threshold: numbers(t.threshold, `tree ${i} thresholds`, n),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      value: numbers(t.value, `tree ${i} values`, n * t.outputs),
      outputs: t.outputs,
    };
  });
  const aggregate = e.aggregate === 'average' ? 'average' : 'sum';
  const post = e.post === 'logistic' || e.post === 'softmax' ? e.post : 'identity';
  const base = numbers(e.base, 'ensemble base', outputs);
  return {
    trees,
    ...(e.treeOutput !== undefined ? { treeOutput: Int32Array.from(e.treeOutput as ArrayLike<number>) } : {}),
    outputs,
    base,
    aggregate,
    post,
  };
}

/** Raw scores [N, outputs] (before the post-transform), computed in double, rounded to float. */
function scores(h: HeadContext, design: string, e: TreeEnsemble): string {
  const o = h.trees ?? {};
  const floatCompute = o.compute === 'float';
  const floatThresholds = floatCompute || o.thresholds !== 'float64';
  const floatLeaves = floatCompute || o.leaves === 'float32';
  if (e.trees.length === 0) return constantRows(h, design, e.base);
  const scale = e.aggregate === 'average' ? (e.treeOutput ? e.trees.length / e.outputs : e.trees.length) : 1;
  const n = {
    tree: [] as number[],
    node: [] as number[],
    feature: [] as number[],
    mode: [] as string[],
    value: [] as number[],
    yes: [] as number[],
    no: [] as number[],
  };
  const target = { tree: [] as number[], node: [] as number[], id: [] as number[], weight: [] as number[] };
  e.trees.forEach((t, ti) => {
    const perTreeOutput = t.outputs === 1 && e.treeOutput ? (e.treeOutput[ti] as number) : null;
    for (let j = 0; j < t.feature.length; j++) {
      const f = t.feature[j] as number;
      if (f >= h.width) throw headError(`tree ${ti} node ${j} splits on feature ${f}, the design has ${h.width}`);
      n.tree.push(ti);
      n.node.push(j);
      n.feature.push(Math.max(f, 0));
      n.mode.push(f < 0 ? 'LEAF' : 'BRANCH_LEQ');
      n.value.push(f < 0 ? 0 : floatThresholds ? floorToFloat32(t.threshold[j] as number) : (t.threshold[j] as number));
      n.yes.push(f < 0 ? 0 : (t.left[j] as number));
      n.no.push(f < 0 ? 0 : (t.right[j] as number));
      if (f >= 0) continue;
      for (let k = 0; k < t.outputs; k++) {
        target.tree.push(ti);
        target.node.push(j);
        target.id.push(perTreeOutput ?? k);
        target.weight.push((t.value[j * t.outputs + k] as number) / scale);
      }
    }
  });
  const g = h.g;
  const x = floatCompute
    ? design
    : g.op('Cast', [design], {
        attrs: { to: { int: onnx.TensorProto.DataType.DOUBLE } },
        hint: `${h.prefix}_design_double`,
      });
  // Plain FLOATS attributes are read whatever the input type; *_as_tensor ones must match it.
  const plain = {
    ...(floatThresholds ? { nodes_values: { floats: n.value } } : {}),
    ...(floatLeaves ? { target_weights: { floats: target.weight } } : {}),
    ...(floatCompute ? { base_values: { floats: Array.from(e.base) } } : {}),
  };
  const out = g.op('TreeEnsembleRegressor', [x], {
    domain: ML,
    hint: `${h.prefix}_trees`,
    attrs: {
      n_targets: { int: e.outputs },
      aggregate_function: { string: 'SUM' },
      post_transform: { string: 'NONE' },
      nodes_treeids: { ints: n.tree },
      nodes_nodeids: { ints: n.node },
      nodes_featureids: { ints: n.feature },
      nodes_modes: { strings: n.mode },
      nodes_truenodeids: { ints: n.yes },
      nodes_falsenodeids: { ints: n.no },
      target_treeids: { ints: target.tree },
      target_nodeids: { ints: target.node },
      target_ids: { ints: target.id },
      ...plain,
    },
  });
  const tensors = [
    ...(floatThresholds ? [] : [doubles('nodes_values_as_tensor', n.value)]),
    ...(floatLeaves ? [] : [doubles('target_weights_as_tensor', target.weight)]),
    ...(floatCompute ? [] : [doubles('base_values_as_tensor', Array.from(e.base))]),
  ];
  if (tensors.length > 0) h.tensorAttrs.set(out, tensors);
  g.declare(out, 'float', ['N', e.outputs]);
  return out;
}

export function treeHead(h: HeadContext, design: string, json: unknown): string {
  const compact = h.trees?.compact ?? EXACT_COMPACTION;
  const e = compact === false ? ensembleOf(json) : compactEnsemble(ensembleOf(json), compact).ensemble;
  const s = scores(h, design, e);
  if (h.task === 'regression') {
    if (e.outputs !== 1 || e.post !== 'identity') throw headError('a regression ensemble has one identity output');
    return s;
  }
  if (e.post === 'logistic') {
    if (h.task !== 'binary' || e.outputs !== 1) throw headError('a logistic ensemble is binary with one output');
    return binaryFromLogit(h, s);
  }
  const probs =
    e.post === 'softmax' ? h.g.op('Softmax', [s], { attrs: { axis: { int: -1 } }, hint: `${h.prefix}_softmax` }) : s;
  if (e.outputs !== h.classes) throw headError(`the ensemble has ${e.outputs} outputs for ${h.classes} classes`);
  return probs;
}
