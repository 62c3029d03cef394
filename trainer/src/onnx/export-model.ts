/**
 * A trained model as ONNX bytes: the spec pipeline inside the graph
 * (`emitPreprocessing`: one input per raw feature), the learner's head, then the outputs:
 *  - regression: `prediction` float32 [N, 1];
 *  - classification: `label` int64 [N] and `probabilities` float32 [N, k] (binary: k = 2, column
 *    1 = P(class 1)). Binary: label 1 exactly when P(class 1) ≥ the model's decision threshold
 *    (`TrainedModel.threshold`, default 0.5; float32, as eval/metrics.ts: p ≥ t → 1); multiclass: ArgMax,
 *    the first maximum on ties. Never ZipMap: it cannot be read from JS.
 * The head is the model family's (learners/registry.ts `emitHead`); ensembles are graph nodes too
 * (heads/ensemble.ts): averaging (weighted Sum of the members' heads) and stacking (members'
 * outputs → Concat → MatMul + Add → the task's link).
 * Standard opset 17, ai.onnx.ml 3, IR 8: what onnxruntime-web 1.30, onnxruntime-node and Debian's
 * onnx 1.12 checker all accept.
 */
import onnxProto from 'onnx-proto';
import { emitHead } from '../learners/registry.ts';
import type { TrainedModel } from '../model/trained-model.ts';
import { ElemType, GraphBuilder } from './graph-builder.ts';
import type { DenseQuant } from './dense.ts';
import { emitPreprocessing } from './preprocess-graph.ts';
import { column, headError, type HeadContext } from './heads/common.ts';
import type { TreeExportOptions } from './heads/tree.ts';

const { onnx } = onnxProto;

export const PREDICTION = 'prediction';
export const LABEL = 'label';
export const PROBABILITIES = 'probabilities';

export type ExportableModel = Pick<TrainedModel, 'name' | 'task' | 'pipeline' | 'model' | 'classes' | 'threshold'>;

/** The binary decision threshold as the graph holds it (float32). */
export function labelThreshold(t: Pick<TrainedModel, 'threshold'>): number {
  return Math.fround(t.threshold ?? 0.5);
}

/** The number of classes of a classification model (2 for binary). */
export function classCountOf(t: Pick<TrainedModel, 'task' | 'classes'>): number {
  if (t.task === 'regression') return 1;
  if (t.task === 'binary') return 2;
  const k = t.classes?.length ?? 0;
  if (k < 2) throw headError('a multiclass model needs its class list (TrainedModel.classes)');
  return k;
}

export interface ExportOptions {
  /** Dense-layer weights (linear, logistic, MLP, and such ensemble members); default 'float'. */
  quant?: DenseQuant;
  /** Tree storage (heads/tree.ts); the default changes no prediction. */
  trees?: TreeExportOptions;
}

export function exportModelOnnx(t: ExportableModel, opts: ExportOptions = {}): Uint8Array {
  const g = new GraphBuilder(t.name);
  const design = emitPreprocessing(g, t.pipeline);
  const classes = classCountOf(t);
  const tensorAttrs: HeadContext['tensorAttrs'] = new Map();
  const h: HeadContext = {
    g,
    task: t.task,
    width: t.pipeline.features.length,
    classes,
    prefix: 'model',
    tensorAttrs,
    ...(opts.quant ? { quant: opts.quant } : {}),
    ...(opts.trees ? { trees: opts.trees } : {}),
  };
  const head = emitHead(h, design, t.model.toJSON());
  // The head's tensor becomes the graph output by name (renamed below) rather than through an
  // Identity node: one node and two names fewer in every artifact.
  const renames = new Map<string, string>();
  if (t.task === 'regression') {
    renames.set(head, PREDICTION);
    g.output(PREDICTION, 'float', ['N', 1]);
  } else {
    if (t.task === 'binary') {
      const positive = g.op(
        'GreaterOrEqual',
        [column(h, head, 1), g.floats('label_threshold', [labelThreshold(t)], [])],
        { hint: 'positive' },
      );
      const flat = g.op('Squeeze', [positive, g.ints('label_axis', [1], [1])], { hint: 'positive_flat' });
      g.node('Cast', [flat], { outputs: [LABEL], attrs: { to: { int: ElemType.int64 } } });
    } else {
      g.node('ArgMax', [head], { outputs: [LABEL], attrs: { axis: { int: 1 }, keepdims: { int: 0 } } });
    }
    renames.set(head, PROBABILITIES);
    g.output(LABEL, 'int64', ['N']);
    g.output(PROBABILITIES, 'float', ['N', classes]);
  }
  const doc = `${t.name}: ${t.model.kind} (${t.task}) with its preprocessing; inputs are the raw features`;
  const model = g.model({ docString: doc });
  for (const node of model.graph?.node ?? []) {
    const extra = tensorAttrs.get(node.output?.[0] ?? '');
    if (extra) node.attribute = [...(node.attribute ?? []), ...extra];
  }
  nameOutputs(model, renames);
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Renames each head tensor to its graph-output name, where a node makes it; a head that is a graph
 * input or an initializer (a constant model) keeps an Identity node instead.
 */
function nameOutputs(model: ReturnType<GraphBuilder['model']>, renames: ReadonlyMap<string, string>): void {
  const graph = model.graph;
  if (!graph) return;
  const nodes = graph.node ?? [];
  for (const [from, to] of renames) {
    const producer = nodes.find((n) => n.output?.includes(from));
    if (producer) {
      for (const n of nodes) {
        n.input = (n.input ?? []).map((x) => (x === from ? to : x));
        n.output = (n.output ?? []).map((x) => (x === from ? to : x));
      }
    } else {
      graph.node = [...nodes, onnx.NodeProto.create({ opType: 'Identity', input: [from], output: [to] })];
    }
  }
}
