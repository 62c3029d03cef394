/**
 * The synthetic model the monitoring benches judge windows against: five numeric inputs with ten
 * equal reference bins over [0, 10] and a four-category input, a binary prediction; and the
 * windows they judge.
 */
import { LATENCY_BOUNDS_MS, MANIFEST_SCHEMA, sha256Hex, type Manifest, type TelemetryWindow } from '@outpost/protocol';

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

/**
 * A window of this model, its counts varying with `i` (the same `i` gives the same counts).
 */
export function monitorWindow(o: {
  i: number;
  device: string;
  gateway: string;
  seq: number;
  artifactId: string;
  start: number;
  lengthMs: number;
}): TelemetryWindow {
  const { i } = o;
  const bins = (k: number, salt: number): number[] => Array.from({ length: k }, (_v, j) => 5 + ((i + j * salt) % 11));
  return {
    device: o.device,
    gateway: o.gateway,
    seq: o.seq,
    model: 'occupancy',
    version: 1,
    artifactId: o.artifactId,
    windowStart: new Date(o.start).toISOString(),
    windowEnd: new Date(o.start + o.lengthMs).toISOString(),
    rows: 100,
    features: {
      ...Object.fromEntries(
        NUMERIC.map((f, s) => [
          f,
          { kind: 'numeric' as const, bins: bins(BINS, s + 1), missing: i % 3, outOfRange: 0, min: 0.5, max: 9.5 },
        ]),
      ),
      room: { kind: 'categorical', counts: bins(4, 7), missing: 0, unseen: i % 2 },
    },
    predictions: { bins: bins(2, 3), min: 0, max: 1, sum: 40 },
    latency: { counts: new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(1), maxMs: 1 },
    errors: 0,
  };
}
