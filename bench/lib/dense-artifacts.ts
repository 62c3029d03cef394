/**
 * Dense-model ONNX artifacts for the quantization / TFLite benches, on the housing rows of
 * housing-rows.ts (the same fit / eval rows as gbdt-vs-sklearn.ts; the locked test rows are never
 * read): the bench pipeline inside the graph (`emitPreprocessing`), layers via emitDense.
 */
import {
  GraphBuilder,
  decodeModel,
  emitDense,
  emitPreprocessing,
  type BiasStorage,
  type DenseActivation,
  type DenseQuant,
  type GraphNaming,
  type QuantGranularity,
  type SpecPipeline,
} from '@outpost/trainer';
export { loadHousing, rawFeeds, rawRecords, SEED, type HousingData } from './housing-rows.ts';

export interface DenseLayerSpec {
  weights: Float64Array;
  bias: Float64Array;
  in: number;
  out: number;
  activation: DenseActivation;
}

/** MLP layers from toJSON, with the regression target scaling folded into the last layer. */
export function mlpLayers(json: {
  layers: { weights: number[]; bias: number[]; activation: DenseActivation }[];
  yMean?: number;
  yStd?: number;
}): DenseLayerSpec[] {
  return json.layers.map((l, i) => {
    const out = l.bias.length;
    const last = i === json.layers.length - 1;
    const s = last && json.yStd !== undefined ? json.yStd : 1;
    const m = last && json.yMean !== undefined ? json.yMean : 0;
    return {
      weights: Float64Array.from(l.weights, (w) => w * s),
      bias: Float64Array.from(l.bias, (b) => b * s + m),
      in: l.weights.length / out,
      out,
      activation: l.activation,
    };
  });
}

export function linearLayers(json: { weights: number[]; intercept: number }): DenseLayerSpec[] {
  return [
    {
      weights: Float64Array.from(json.weights),
      bias: Float64Array.from([json.intercept]),
      in: json.weights.length,
      out: 1,
      activation: 'identity',
    },
  ];
}

export interface ArtifactOptions {
  /** int8 scale granularity (emitDense's default when absent). */
  granularity?: QuantGranularity;
  /** int8 bias storage (emitDense's default when absent). */
  bias?: BiasStorage;
  /** Gemm or MatMul + Add (emitDense's default when absent). */
  form?: 'gemm' | 'matmul';
  /** int8 bias on the weights' scale when it fits (emitDense's default when absent). */
  shareScale?: boolean;
  /** Tensor naming (GraphBuilder's default, 'short', when absent). */
  names?: GraphNaming;
  /**
   * 'direct': the last layer's output is named `prediction`, as exportModelOnnx does (default);
   * 'identity': it feeds an Identity node named `prediction` (the layout before 2026-11-26).
   */
  output?: 'identity' | 'direct';
}

/** raw inputs → preprocessing → dense layers → `prediction` [N, out]. */
export function denseArtifact(
  pipeline: SpecPipeline,
  layers: readonly DenseLayerSpec[],
  quant: DenseQuant,
  o: ArtifactOptions = {},
): Uint8Array {
  const g = new GraphBuilder('dense', o.names ? { names: o.names } : {});
  let x = emitPreprocessing(g, pipeline);
  const direct = o.output !== 'identity';
  layers.forEach((l, i) => {
    const lastLayer = i === layers.length - 1;
    x = emitDense(g, x, l.weights, l.bias, {
      in: l.in,
      out: l.out,
      activation: l.activation,
      quant,
      name: `layer${i}`,
      ...(o.granularity ? { granularity: o.granularity } : {}),
      ...(o.bias ? { bias: o.bias } : {}),
      ...(o.form ? { form: o.form } : {}),
      ...(o.shareScale !== undefined ? { shareScale: o.shareScale } : {}),
      ...(direct && lastLayer ? { output: 'prediction' } : {}),
    });
  });
  if (!direct) g.node('Identity', [x], { outputs: ['prediction'] });
  g.output('prediction', 'float', ['N', (layers[layers.length - 1] as DenseLayerSpec).out]);
  return g.toBytes();
}

/**
 * Bytes of the dense layers' initializers (weights, scales, biases) as stored in the file: the data
 * of a readable-named build's `layer*` initializers (the data does not depend on the naming).
 */
export function layerBytes(
  pipeline: SpecPipeline,
  layers: readonly DenseLayerSpec[],
  quant: DenseQuant,
  o: ArtifactOptions = {},
): number {
  let n = 0;
  for (const t of decodeModel(denseArtifact(pipeline, layers, quant, { ...o, names: 'readable' })).graph?.initializer ??
    []) {
    if (!t.name?.startsWith('layer')) continue;
    n += (t.rawData?.length ?? 0) + 4 * (t.floatData?.length ?? 0);
  }
  return n;
}
