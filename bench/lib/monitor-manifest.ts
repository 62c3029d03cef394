/**
 * The synthetic model the monitoring benches judge windows against: five numeric inputs with ten
 * equal reference bins over [0, 10] and a four-category input, a binary prediction.
 */
import { MANIFEST_SCHEMA, sha256Hex, type Manifest } from '@outpost/protocol';

export const NUMERIC = ['temperature', 'humidity', 'light', 'co2', 'humidity_ratio'];
export const BINS = 10;

const edges = Array.from({ length: BINS - 1 }, (_v, i) => i + 1);

export const manifest: Manifest = {
  schema: MANIFEST_SCHEMA,
  name: 'occupancy',
  version: 1,
  parentVersion: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  task: 'binary',
  inputs: [
    ...NUMERIC.map((name) => ({ name, type: 'float' as const, range: [0, 10] as [number, number] })),
    { name: 'room', type: 'string', categories: ['a', 'b', 'c', 'd'] },
  ],
  outputs: [{ name: 'p', type: 'float', shape: [1] }],
  predictionOutput: 'p',
  files: [{ path: 'model.onnx', role: 'model', bytes: 1, sha256: sha256Hex('m') }],
  metrics: { cv: { metric: 'accuracy', value: 0.95, std: 0.01, folds: 5 } },
  trainingData: { fingerprint: sha256Hex('t'), rows: 1000, source: 'bench' },
  golden: [{ inputs: {}, outputs: { p: [0.5] } }],
  reference: {
    rows: 1000,
    features: {
      ...Object.fromEntries(
        NUMERIC.map((f) => [
          f,
          { kind: 'numeric' as const, edges, freqs: new Array<number>(BINS).fill(0.1), missing: 0 },
        ]),
      ),
      room: { kind: 'categorical', categories: ['a', 'b', 'c', 'd'], freqs: [0.25, 0.25, 0.25, 0.25], missing: 0 },
    },
    prediction: { kind: 'numeric', edges: [0.5], freqs: [0.6, 0.4], missing: 0 },
  },
  trainer: { algorithm: 'bench', seed: 1, params: {} },
};
