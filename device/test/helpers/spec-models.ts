/**
 * Spec-built models for the TFLite round trip: a synthetic table, a spec pipeline using every step
 * kind the device transform applies (impute with missing indicators — numeric and string —,
 * a constant impute, capped flag, clip, rotate, cluster similarity (k-means centres), ratio with
 * zero denominators, two logs, quantile and fixed-edge bins, one-hot from strings (declared and default), ordinal, standard scale),
 * fitted by the trainer's real `fitSpecPipeline`, and real learners fitted on its design matrix,
 * packaged as the `TrainedModel` `buildArtifact` takes. Test-only use of @outpost/trainer.
 */
import type { FeatureValue, InputSpec } from '@outpost/protocol';
import {
  CleaningStep,
  FeatureStep,
  fitSpecPipeline,
  linearLearner,
  logisticLearner,
  mlpLearner,
  mulberry32,
  transformSpec,
  type FittedModel,
  type SpecPipeline,
  type Task,
  type TrainedModel,
} from '@outpost/trainer';

type Column = Parameters<typeof fitSpecPipeline>[0]['columns'][number];
type Row = Record<string, FeatureValue>;

export const UNSEEN = 'purple';

export const CLEANING = [
  { op: 'impute', columns: ['a'], strategy: 'median', indicator: true },
  { op: 'impute', columns: ['color'], strategy: 'mode', indicator: true },
  { op: 'impute', columns: ['grade'], strategy: 'constant', value: 'mid' },
  { op: 'clip', columns: ['a'], quantiles: [0.05, 0.95] },
  { op: 'capped', column: 'size', action: 'flag' },
];

export const FEATURES = [
  { op: 'rotate', name: 'coast', x: 'lon', y: 'lat', degrees: 30 },
  // k-means centres over two raw inputs and the rotated column made just before it.
  { op: 'cluster_similarity', name: 'geo', columns: ['lon', 'lat', 'coast'], k: 3, gamma: 0.05 },
  { op: 'ratio', name: 'a_per_b', numerator: 'a', denominator: 'b' },
  { op: 'log', columns: ['size'] },
  { op: 'log', columns: ['lat'], offset: -40 },
  { op: 'bin', column: 'a', bins: 6 },
  { op: 'bin', column: 'b', name: 'b_level', edges: [1, 2.5, 4] },
  { op: 'onehot', columns: ['color'] },
  { op: 'ordinal', column: 'grade', order: ['lo', 'mid', 'hi'] },
  { op: 'scale', method: 'standard' },
];

export interface SpecFixture {
  columns: Column[];
  pipeline: SpecPipeline;
  trainRows: number[];
  trainRecords: Row[];
  /** Held-out records plus the edge cases (nulls, NaN, ±∞, unseen and mistyped values). */
  records: Row[];
  /** Dataset rows of the held-out records (the validation rows). */
  recordRows: number[];
  heldOut: Row[];
  score: Float64Array;
}

function recordOf(columns: readonly Column[], r: number): Row {
  return Object.fromEntries(
    columns.map((c) => {
      const v = c.values[r] as number | string;
      return [c.name, v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v];
    }),
  );
}

export function specFixture(n = 500, extraFeatures: readonly Record<string, unknown>[] = []): SpecFixture {
  const rng = mulberry32(23);
  const total = n + 150;
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)] as T;
  const num = (f: () => number, missing: number): Float64Array =>
    Float64Array.from({ length: total }, () => (rng() < missing ? NaN : f()));
  const a = num(() => Math.round(rng() * 1000) / 10, 0.1);
  const b = num(() => Math.floor(rng() * 6), 0.05);
  const lon = num(() => -124 + rng() * 10, 0);
  const lat = num(() => 32 + rng() * 10, 0);
  const size = num(() => Math.min(Math.round(rng() * 7000) / 10, 500.1), 0.05);
  const color = Array.from({ length: total }, () => pick(['red', 'green', 'blue', 'blue', '']));
  const grade = Array.from({ length: total }, () => pick(['lo', 'mid', 'hi', '']));
  const region = Array.from({ length: total }, () => pick(['north', 'south', 'east', '']));
  const columns: Column[] = [
    { kind: 'numeric', name: 'a', values: a },
    { kind: 'numeric', name: 'b', values: b },
    { kind: 'numeric', name: 'lon', values: lon },
    { kind: 'numeric', name: 'lat', values: lat },
    { kind: 'numeric', name: 'size', values: size },
    { kind: 'categorical', name: 'color', values: color },
    { kind: 'categorical', name: 'grade', values: grade },
    { kind: 'categorical', name: 'region', values: region },
  ];
  const trainRows = Array.from({ length: n }, (_, i) => i);
  const { pipeline } = fitSpecPipeline({
    columns,
    rows: trainRows,
    cleaning: CLEANING.map((s) => CleaningStep.parse(s)),
    features: [...FEATURES.slice(0, -1), ...extraFeatures, FEATURES.at(-1)].map((s) => FeatureStep.parse(s)),
  });
  const score = Float64Array.from({ length: total }, (_, i) => {
    const av = Number.isNaN(a[i] as number) ? 50 : (a[i] as number);
    const bv = Number.isNaN(b[i] as number) ? 2 : (b[i] as number);
    const sv = Number.isNaN(size[i] as number) ? 100 : (size[i] as number);
    return (
      av / 10 +
      3 * bv +
      Math.log1p(sv) +
      ((lon[i] as number) + 119) +
      (color[i] === 'red' ? 4 : 0) +
      (grade[i] === 'hi' ? 3 : grade[i] === 'lo' ? -3 : 0) +
      (rng() - 0.5) * 2
    );
  });
  const recordRows = Array.from({ length: 150 }, (_, i) => n + i);
  const base: Row = { a: 40, b: 2, lon: -120, lat: 35, size: 100, color: 'red', grade: 'lo', region: 'north' };
  const edges: Row[] = [
    {},
    { ...base, a: null, b: 0, color: UNSEEN, grade: 'ultra', region: 'west' },
    { ...base, a: Number.NaN, b: null, color: null, grade: null, region: null },
    { ...base, a: Number.POSITIVE_INFINITY, size: 500.1, color: '' },
    { ...base, a: 0, b: 0, size: -7, lat: 39 },
    { ...base, lat: 40, size: -1, grade: 'hi' },
    { ...base, a: 'not a number', b: 1e-40, color: 7 as unknown as string },
    { ...base, size: 600, lon: Number.NEGATIVE_INFINITY },
  ];
  const heldOut = recordRows.map((r) => recordOf(columns, r));
  return {
    columns,
    pipeline,
    trainRows,
    trainRecords: trainRows.map((r) => recordOf(columns, r)),
    records: [...edges, ...heldOut],
    recordRows,
    heldOut,
    score,
  };
}

export function inputSpecs(f: SpecFixture): InputSpec[] {
  return f.columns.map((c) =>
    c.kind === 'numeric'
      ? { name: c.name, type: 'float' }
      : { name: c.name, type: 'string', categories: [...new Set(c.values.filter((v) => v !== ''))].sort() },
  );
}

function targets(f: SpecFixture, task: Task, rows: readonly number[]): Float64Array {
  const s = Float64Array.from(rows, (r) => f.score[r] as number);
  if (task === 'regression') return Float64Array.from(s, (v) => 1000 + 25 * v);
  const sorted = Float64Array.from(f.trainRows, (r) => f.score[r] as number).sort();
  const q = (p: number): number => sorted[Math.floor(p * (sorted.length - 1))] as number;
  if (task === 'binary') return Float64Array.from(s, (v) => (v > q(0.7) ? 1 : 0));
  return Float64Array.from(s, (v) => (v < q(0.33) ? 0 : v < q(0.66) ? 1 : 2));
}

const LEARNERS = { linear: linearLearner, logistic: logisticLearner, mlp: mlpLearner } as const;

export async function specModel(
  f: SpecFixture,
  kind: keyof typeof LEARNERS,
  task: Task,
  o: { tolerance?: number; name?: string } = {},
): Promise<TrainedModel> {
  const x = transformSpec(f.pipeline, f.columns, f.trainRows);
  const params = kind === 'mlp' ? { hidden_layer_sizes: [16, 8], max_iter: 40, early_stopping: false } : {};
  const learner = LEARNERS[kind] as unknown as { fit: (...args: unknown[]) => Promise<FittedModel> };
  const model = await learner.fit(x, targets(f, task, f.trainRows), params, {
    task,
    seed: 5,
    classes: task === 'multiclass' ? 3 : 2,
  });
  return {
    name: o.name ?? `spec-${kind}-${task}`,
    task,
    ...(task === 'regression' ? {} : { classes: task === 'binary' ? ['no', 'yes'] : ['low', 'mid', 'high'] }),
    ...(task === 'binary' ? { threshold: 0.4 } : {}),
    inputs: inputSpecs(f),
    pipeline: f.pipeline,
    model,
    params,
    seed: 5,
    metrics: { validation: { metric: task === 'regression' ? 'rmse' : 'accuracy', value: 1 } },
    trainRecords: f.trainRecords,
    dataFingerprint: 'cd'.repeat(32),
    dataSource: 'synthetic.csv',
    quantizationTolerance: o.tolerance ?? 0.01,
    validation: { records: f.heldOut, y: targets(f, task, f.recordRows) },
  };
}
