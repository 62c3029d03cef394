/**
 * Writes a fitted spec pipeline (`preprocess/spec-pipeline.ts`) into an ONNX graph, computing the
 * same design matrix as `transformRecords`. Inputs follow the ONNX convention: one per raw feature,
 * [N,1], float32 (NaN = missing; ±∞ is treated as missing too, as in process) or tensor(string)
 * ('' = missing). Only standard ops plus ai.onnx.ml LabelEncoder (ml opset 2, resolved from the
 * builder's ml opset 3), which run in onnxruntime-web and onnxruntime-node.
 *
 * Every fitted constant is already a float32 number and the graph's float32 ops round as the
 * in-process transform does; the only ops that may differ by an ulp are Log and Exp.
 */
import type { SpecPipeline, FittedStep, FittedScale } from '../preprocess/spec-pipeline.ts';
import { clusterSimilarityNames } from '../preprocess/steps/cluster-similarity.ts';
import { LOG_EPSILON } from '../preprocess/steps/log.ts';
import { ordinalCodes, ORDINAL_UNSEEN } from '../preprocess/steps/ordinal.ts';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { ElemType, type GraphBuilder } from './graph-builder.ts';

const ML = 'ai.onnx.ml';
const TO_FLOAT = { to: { int: ElemType.float } };

interface CategoricalTensor {
  tensor: string;
  /** The impute fill for '' (folded into the encoder, since opset 17 cannot compare strings). */
  fill: string | null;
}

class PreprocessEmitter {
  private k = 0;
  readonly numeric = new Map<string, string>();
  readonly categorical = new Map<string, CategoricalTensor>();
  /** One-hot blocks [N,k], keyed by their first design column. */
  readonly blocks = new Map<string, { tensor: string; names: string[] }>();
  scale: FittedScale | null = null;

  constructor(
    private readonly g: GraphBuilder,
    private readonly prefix: string,
  ) {}

  constant(values: readonly number[], dims: readonly number[]): string {
    return this.g.floats(`${this.prefix}_const_${this.k++}`, values, dims);
  }

  int64s(values: readonly number[], dims: readonly number[]): string {
    return this.g.ints(`${this.prefix}_const_${this.k++}`, values, dims);
  }

  num(name: string): string {
    const t = this.numeric.get(name);
    if (t === undefined) throw graphError(`no numeric tensor for column ${name}`);
    return t;
  }

  cat(name: string): CategoricalTensor {
    const t = this.categorical.get(name);
    if (t === undefined) throw graphError(`no string tensor for column ${name}`);
    return t;
  }

  step(s: FittedStep): void {
    const g = this.g;
    switch (s.op) {
      case 'capped': {
        const ge = g.op('GreaterOrEqual', [this.num(s.column), this.constant([s.cap], [])], { hint: `${s.name}_ge` });
        this.numeric.set(s.name, g.op('Cast', [ge], { attrs: TO_FLOAT, hint: s.name }));
        return;
      }
      case 'impute':
        if (s.kind === 'numeric') {
          const x = this.num(s.column);
          const missing = g.op('IsNaN', [x], { hint: `${s.column}_isnan` });
          this.numeric.set(
            s.column,
            g.op('Where', [missing, this.constant([s.fill as number], []), x], { hint: `${s.column}_imputed` }),
          );
          if (s.indicator !== null)
            this.numeric.set(s.indicator, g.op('Cast', [missing], { attrs: TO_FLOAT, hint: s.indicator }));
        } else {
          const c = this.cat(s.column);
          if (s.indicator !== null) {
            const attrs = {
              keys_strings: { strings: [''] },
              values_floats: { floats: [1] },
              default_float: { float: 0 },
            };
            this.numeric.set(s.indicator, g.op('LabelEncoder', [c.tensor], { domain: ML, attrs, hint: s.indicator }));
          }
          this.categorical.set(s.column, { ...c, fill: s.fill as string });
        }
        return;
      case 'clip':
        this.numeric.set(
          s.column,
          g.op('Clip', [this.num(s.column), this.constant([s.lo], []), this.constant([s.hi], [])], {
            hint: `${s.column}_clipped`,
          }),
        );
        return;
      case 'ratio': {
        const r = g.op('Div', [this.num(s.numerator), this.num(s.denominator)], { hint: `${s.name}_div` });
        const bad = g.op(
          'Or',
          [g.op('IsNaN', [r], { hint: `${s.name}_isnan` }), g.op('IsInf', [r], { hint: `${s.name}_isinf` })],
          { hint: `${s.name}_bad` },
        );
        this.numeric.set(s.name, g.op('Where', [bad, this.constant([s.fallback], []), r], { hint: s.name }));
        return;
      }
      case 'log': {
        const shifted = g.op('Add', [this.num(s.column), this.constant([s.offset], [])], {
          hint: `${s.column}_shifted`,
        });
        const floored = g.op('Max', [shifted, this.constant([LOG_EPSILON], [])], { hint: `${s.column}_floored` });
        this.numeric.set(s.column, g.op('Log', [floored], { hint: `${s.column}_log` }));
        return;
      }
      case 'bin': {
        // Bin index = number of edges ≤ x: compare with all edges at once, then count.
        const ge = g.op('GreaterOrEqual', [this.num(s.column), this.constant(s.edges, [1, s.edges.length])], {
          hint: `${s.name}_ge`,
        });
        const ones = g.op('Cast', [ge], { attrs: TO_FLOAT, hint: `${s.name}_ones` });
        this.numeric.set(
          s.name,
          g.op('ReduceSum', [ones, this.int64s([1], [1])], { attrs: { keepdims: { int: 1 } }, hint: s.name }),
        );
        return;
      }
      case 'rotate': {
        const xc = g.op('Mul', [this.num(s.x), this.constant([s.cos], [])], { hint: `${s.name}_x` });
        const ys = g.op('Mul', [this.num(s.y), this.constant([s.sin], [])], { hint: `${s.name}_y` });
        this.numeric.set(s.name, g.op('Add', [xc, ys], { hint: s.name }));
        return;
      }
      case 'cluster_similarity': {
        // Squared distance to all k centres at once: per column [N,1] − [1,k], squared, summed in
        // column order (as in process, so float32 rounding matches); then exp(−gamma · d²), split
        // into one [N,1] tensor per design column so later steps can read each.
        const k = s.centres.length;
        let dist2 = '';
        s.columns.forEach((column, c) => {
          const diff = g.op(
            'Sub',
            [
              this.num(column),
              this.constant(
                s.centres.map((centre) => centre[c] as number),
                [1, k],
              ),
            ],
            { hint: `${s.name}_diff${c}` },
          );
          const sq = g.op('Mul', [diff, diff], { hint: `${s.name}_sq${c}` });
          dist2 = c === 0 ? sq : g.op('Add', [dist2, sq], { hint: `${s.name}_dist2` });
        });
        const scaled = g.op('Mul', [dist2, this.constant([-s.gamma], [])], { hint: `${s.name}_scaled` });
        const sim = g.op('Exp', [scaled], { hint: `${s.name}_sim` });
        const parts = k === 1 ? [sim] : g.node('Split', [sim], { count: k, attrs: { axis: { int: 1 } }, hint: s.name });
        clusterSimilarityNames(s).forEach((name, j) => this.numeric.set(name, parts[j] as string));
        return;
      }
      case 'ordinal': {
        const c = this.cat(s.column);
        const codes = ordinalCodes(s);
        if (c.fill !== null) codes.set('', codes.get(c.fill) ?? ORDINAL_UNSEEN);
        const attrs = {
          keys_strings: { strings: [...codes.keys()] },
          values_floats: { floats: [...codes.values()] },
          default_float: { float: ORDINAL_UNSEEN },
        };
        this.numeric.set(
          s.column,
          g.op('LabelEncoder', [c.tensor], { domain: ML, attrs, hint: `${s.column}_ordinal` }),
        );
        this.categorical.delete(s.column);
        return;
      }
      case 'onehot': {
        const c = this.cat(s.column);
        this.categorical.delete(s.column);
        if (s.categories.length === 0) return;
        const codes = new Map(s.categories.map((cat, k) => [cat, k]));
        const fillCode = c.fill === null ? undefined : codes.get(c.fill);
        if (fillCode !== undefined) codes.set('', fillCode);
        // Category → index (unseen → −1), then index == 0..k-1: an all-zero row for −1.
        const attrs = {
          keys_strings: { strings: [...codes.keys()] },
          values_int64s: { ints: [...codes.values()] },
          default_int64: { int: -1 },
        };
        const index = g.op('LabelEncoder', [c.tensor], { domain: ML, attrs, hint: `${s.column}_index` });
        const k = s.categories.length;
        const hot = g.op(
          'Equal',
          [
            index,
            this.int64s(
              Array.from({ length: k }, (_, i) => i),
              [1, k],
            ),
          ],
          { hint: `${s.column}_eq` },
        );
        const names = s.categories.map((cat) => `${s.column}=${cat}`);
        this.blocks.set(names[0] as string, {
          tensor: g.op('Cast', [hot], { attrs: TO_FLOAT, hint: `${s.column}_onehot` }),
          names,
        });
        return;
      }
      case 'scale':
        this.scale = s;
        return;
    }
  }

  /** The design columns in pipeline order, as tensors to concatenate. */
  parts(features: readonly string[]): string[] {
    const parts: string[] = [];
    for (let i = 0; i < features.length;) {
      const name = features[i] as string;
      const block = this.blocks.get(name);
      if (block && block.names.every((n, j) => features[i + j] === n)) {
        parts.push(block.tensor);
        i += block.names.length;
      } else {
        parts.push(this.num(name));
        i++;
      }
    }
    return parts;
  }
}

function graphError(message: string): Error {
  return trainerError(TrainerErrorCodes.ONNX_GRAPH_INVALID, `preprocessing graph: ${message}`);
}

export interface EmitPreprocessingOptions {
  /** Raw feature → an existing tensor to read it from; the others become graph inputs named as the feature. */
  inputs?: Readonly<Record<string, string>>;
  /** Prefix of the initializer names (default 'preprocess'). */
  prefix?: string;
}

/**
 * Adds the pipeline's inputs and nodes to `g` and returns the name of the [N, width] float design
 * tensor, width = `pipeline.features.length`, columns in `designColumnNames(pipeline)` order.
 */
export function emitPreprocessing(
  g: GraphBuilder,
  pipeline: SpecPipeline,
  options: EmitPreprocessingOptions = {},
): string {
  const e = new PreprocessEmitter(g, options.prefix ?? 'preprocess');
  for (const { name, kind } of pipeline.inputs) {
    const given = options.inputs?.[name];
    if (kind === 'categorical') {
      e.categorical.set(name, { tensor: given ?? g.input(name, 'string', ['N', 1]), fill: null });
      continue;
    }
    const x = given ?? g.input(name, 'float', ['N', 1]);
    // ±∞ → NaN, so infinities count as missing exactly as in process.
    const inf = g.op('IsInf', [x], { hint: `${name}_isinf` });
    e.numeric.set(name, g.op('Where', [inf, e.constant([NaN], []), x], { hint: `${name}_finite` }));
  }
  for (const s of pipeline.steps) e.step(s);
  const parts = e.parts(pipeline.features);
  let design =
    parts.length === 1 ? (parts[0] as string) : g.op('Concat', parts, { attrs: { axis: { int: 1 } }, hint: 'design' });
  if (e.scale) {
    const w = pipeline.features.length;
    const centred = g.op('Sub', [design, e.constant(e.scale.mean, [1, w])], { hint: 'design_centred' });
    design = g.op('Div', [centred, e.constant(e.scale.std, [1, w])], { hint: 'design_scaled' });
  }
  return design;
}
