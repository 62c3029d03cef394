/**
 * The multilayer perceptron (Adam), fitted on standardised inputs: dense layers (ReLU hidden, the
 * task's output), regression target scaling folded into the last layer on export, int8-capable,
 * with a .tflite form.
 */
import { TrainerErrorCodes, trainerError } from '../../errors.ts';
import type { MlpSaved } from '../../model/saved.ts';
import type { Learner } from '../../models/learner.ts';
import { MlpFitted, mlpLearner } from '../../models/mlp/mlp.ts';
import { Network } from '../../models/mlp/network.ts';
import { mlpHead } from '../../onnx/heads/mlp.ts';
import type { TfliteActivation } from '../../tflite/writer.ts';
import type { LearnerDescriptor, Params } from '../descriptor.ts';
import { unknownModel } from '../revive-check.ts';
import { foldInto, standardisationOf, standardized, StandardizedModel } from '../standardize.ts';

/** A revived network carries no training history. */
const NO_HISTORY = { loss: [], validationLoss: [], epochs: 0, bestEpoch: 0, stoppedEarly: false };

export const mlp: LearnerDescriptor<'mlp'> = {
  kind: 'mlp',
  label: 'MLP',
  learner: standardized(mlpLearner as unknown as Learner<Params>),
  needsStandardize: true,
  candidate: {
    params: { hidden_layer_sizes: [64, 32], max_iter: 100 },
    grid: {
      hidden_layer_sizes: [
        [64, 32],
        [128, 64],
      ],
      alpha: [1e-4, 1e-2],
    },
    quickParams: { hidden_layer_sizes: [16], max_iter: 20 },
    quickGrid: { hidden_layer_sizes: [[16]], alpha: [1e-4, 1e-2] },
  },
  revive(saved) {
    const first = saved.layers[0];
    const last = saved.layers[saved.layers.length - 1];
    if (!first || !last) throw unknownModel('mlp', 'no layers');
    const sizes = [first.weights.length / first.bias.length, ...saved.layers.map((l) => l.bias.length)];
    const params = Float64Array.from(saved.layers.flatMap((l) => [...l.weights, ...l.bias]));
    const { yMean, yStd } = saved;
    const target = yMean !== undefined && yStd !== undefined ? { mean: yMean, std: yStd } : null;
    const model = new MlpFitted(new Network(sizes, last.activation, params), NO_HISTORY, target);
    const s = standardisationOf(saved, 'mlp');
    return s ? new StandardizedModel<MlpSaved>(model, s) : model;
  },
  onnxHead: (h, design, saved) => mlpHead(h, design, saved),
  supportsInt8: () => true,
  treeEnsembles: () => [],
  tfliteLayers(saved, task) {
    const { layers, yMean, yStd } = saved;
    if (layers.length === 0)
      throw trainerError(TrainerErrorCodes.TFLITE_MODEL_INVALID, 'an MLP needs at least one layer');
    return layers.map((l, i) => {
      const out = l.bias.length;
      const last = i === layers.length - 1;
      const s = last && task === 'regression' && yStd !== undefined ? yStd : 1;
      const m = last && task === 'regression' && yMean !== undefined ? yMean : 0;
      // A binary network's sigmoid unit becomes the binary head, on the logit (as in ONNX).
      const activation: TfliteActivation =
        last && task === 'binary' && l.activation === 'sigmoid' ? 'binary' : l.activation;
      return {
        weights: l.weights.map((w) => w * s),
        bias: l.bias.map((b) => b * s + m),
        in: l.weights.length / out,
        out,
        activation,
      };
    });
  },
  fold(saved) {
    const s = standardisationOf(saved, 'mlp');
    if (!s) return saved;
    const { standardize: _dropped, ...rest } = saved;
    const [first, ...others] = rest.layers;
    if (!first) return rest;
    const w = Float64Array.from(first.weights);
    const b = Float64Array.from(first.bias);
    foldInto(w, b, s.mean.length, s);
    return { ...rest, layers: [{ ...first, weights: Array.from(w), bias: Array.from(b) }, ...others] };
  },
};
