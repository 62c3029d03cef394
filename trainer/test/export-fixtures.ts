/**
 * Shared fixtures for the export / parity / build tests: small synthetic data with a non-trivial
 * spec pipeline (impute, a ratio with zero denominators, a one-hot of a string column, scaling),
 * a fitted learner of each kind as a `TrainedModel`, and runners for both onnxruntimes and the
 * Debian onnx checker.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import type { Column } from '../src/data/dataset.ts';
import { AveragingModel } from '../src/learners/averaging/model.ts';
import { meanLearner, majorityLearner } from '../src/models/baseline.ts';
import { treeLearner } from '../src/models/cart/learner.ts';
import { forestLearner } from '../src/models/forest/learner.ts';
import { gbdtLearner } from '../src/models/gbdt/gbdt.ts';
import type { FittedModel, Learner, Matrix, Task } from '../src/models/learner.ts';
import { linearLearner } from '../src/models/linear.ts';
import { logisticLearner } from '../src/models/logistic.ts';
import { mlpLearner } from '../src/models/mlp/mlp.ts';
import { fitSpecPipeline, transform, type SpecPipeline } from '../src/preprocess/spec-pipeline.ts';
import { mulberry32 } from '../src/random.ts';
import type { RawRecord, TrainedModel } from '../src/model/trained-model.ts';
import { CleaningStep, FeatureStep } from '../src/spec/steps.ts';

export const UNSEEN = 'purple';
const COLORS = ['red', 'green', 'blue'];

export interface Fixture {
  columns: Column[];
  trainRows: number[];
  pipeline: SpecPipeline;
  x: Matrix;
  targets: Record<Task, Float64Array>;
  trainRecords: RawRecord[];
  validation: RawRecord[];
}

function recordOf(columns: readonly Column[], r: number): RawRecord {
  return Object.fromEntries(
    columns.map((c) => {
      const v = c.values[r] as number | string;
      return [c.name, v === '' || (typeof v === 'number' && Number.isNaN(v)) ? null : v];
    }),
  );
}

/** n training rows + 200 validation records (nulls, NaN, ±∞, an unseen category, zero denominators). */
export function fixture(n = 400, seed = 7): Fixture {
  const rng = mulberry32(seed);
  const total = n + 200;
  const a = Float64Array.from({ length: total }, () => (rng() < 0.1 ? NaN : Math.round(rng() * 1000) / 10));
  const b = Float64Array.from({ length: total }, () => (rng() < 0.05 ? NaN : Math.floor(rng() * 6)));
  const c = Float64Array.from({ length: total }, () => rng() * 20 - 10);
  const color = Array.from({ length: total }, () => (rng() < 0.1 ? '' : (COLORS[Math.floor(rng() * 3)] as string)));
  const columns: Column[] = [
    { kind: 'numeric', name: 'a', values: a },
    { kind: 'numeric', name: 'b', values: b },
    { kind: 'numeric', name: 'c', values: c },
    { kind: 'categorical', name: 'color', values: color },
  ];
  const trainRows = Array.from({ length: n }, (_, i) => i);
  const { pipeline } = fitSpecPipeline({
    columns,
    rows: trainRows,
    cleaning: [CleaningStep.parse({ op: 'impute', columns: ['a'], strategy: 'median' })],
    features: [
      FeatureStep.parse({ op: 'ratio', name: 'a_per_b', numerator: 'a', denominator: 'b' }),
      FeatureStep.parse({ op: 'onehot', columns: ['color'] }),
      FeatureStep.parse({ op: 'scale', method: 'standard' }),
    ],
  });
  const x = transform(pipeline, columns, trainRows);
  const score = (i: number): number => {
    const av = Number.isNaN(a[i] as number) ? 50 : (a[i] as number);
    const bonus = color[i] === 'red' ? 30 : color[i] === 'blue' ? -20 : 0;
    return av + 4 * (c[i] as number) + bonus + 5 * Math.sin(av / 7) + (rng() - 0.5) * 10;
  };
  const s = Float64Array.from(trainRows, score);
  const sorted = Float64Array.from(s).sort();
  const q = (p: number): number => sorted[Math.floor(p * (sorted.length - 1))] as number;
  const targets: Record<Task, Float64Array> = {
    regression: Float64Array.from(s, (v) => 1000 + 10 * v),
    binary: Float64Array.from(s, (v) => (v > q(0.5) ? 1 : 0)),
    multiclass: Float64Array.from(s, (v) => (v < q(0.33) ? 0 : v < q(0.66) ? 1 : 2)),
  };
  const validation = Array.from({ length: 200 }, (_, i) => recordOf(columns, n + i));
  // The documented edge behaviour: missing numbers impute, unseen / missing strings encode as zeros.
  validation[0] = { a: null, b: 0, c: 1, color: UNSEEN };
  validation[1] = { a: NaN, b: null, c: -3, color: null };
  validation[2] = { a: Infinity, b: 2, c: 0, color: '' };
  validation[3] = { a: 10, b: 0, c: -Infinity, color: 'red' };
  validation[4] = {};
  return {
    columns,
    trainRows,
    pipeline,
    x,
    targets,
    trainRecords: trainRows.map((r) => recordOf(columns, r)),
    validation,
  };
}

export const QUICK_PARAMS: Record<string, Record<string, unknown>> = {
  tree: { max_depth: 6 },
  forest: { n_estimators: 8, max_depth: 6, n_jobs: 1 },
  gbdt: { max_iter: 15, max_leaf_nodes: 8, min_samples_leaf: 5 },
  mlp: { hidden_layer_sizes: [16, 8], max_iter: 30, early_stopping: false },
  logistic: {},
  linear: {},
};

const LEARNERS: Record<string, Learner> = {
  mean: meanLearner,
  majority: majorityLearner,
  linear: linearLearner as unknown as Learner,
  logistic: logisticLearner as unknown as Learner,
  tree: treeLearner as unknown as Learner,
  forest: forestLearner as unknown as Learner,
  gbdt: gbdtLearner as unknown as Learner,
  mlp: mlpLearner as unknown as Learner,
};

export async function fitKind(f: Fixture, kind: string, task: Task, seed = 3): Promise<FittedModel> {
  if (kind === 'averaging') {
    const kinds = task === 'regression' ? ['linear', 'gbdt', 'mlp'] : ['logistic', 'forest', 'mlp'];
    const members = await Promise.all(
      kinds.map(async (k, i) => ({ weight: i + 1, model: await fitKind(f, k, task, seed) })),
    );
    return new AveragingModel(members);
  }
  const learner = LEARNERS[kind];
  if (!learner) throw new Error(`unknown learner ${kind}`);
  return learner.fit(f.x, f.targets[task], QUICK_PARAMS[kind] ?? {}, {
    task,
    seed,
    classes: task === 'multiclass' ? 3 : 2,
  });
}

export function trainedModel(f: Fixture, model: FittedModel, task: Task, name = 'synthetic'): TrainedModel {
  return {
    name,
    task,
    ...(task === 'regression' ? {} : { classes: task === 'binary' ? ['no', 'yes'] : ['low', 'mid', 'high'] }),
    inputs: [
      { name: 'a', type: 'float', range: [0, 100] },
      { name: 'b', type: 'float', range: [0, 5] },
      { name: 'c', type: 'float', range: [-10, 10] },
      { name: 'color', type: 'string', categories: COLORS },
    ],
    pipeline: f.pipeline,
    model,
    params: QUICK_PARAMS[model.kind] ?? {},
    seed: 3,
    metrics: { validation_score: { metric: task === 'regression' ? 'rmse' : 'accuracy', value: 0.5 } },
    trainRecords: f.trainRecords,
    dataFingerprint: 'ab'.repeat(32),
    dataSource: 'synthetic.csv',
    quantizationTolerance: 0.01,
    validation: { records: f.validation, y: new Float64Array(f.validation.length) },
  };
}

type Ort = typeof ortWeb | typeof ortNode;

/** Runs raw records through model bytes in one runtime; outputs as flat number arrays. */
export async function runOnnx(
  ort: Ort,
  bytes: Uint8Array,
  pipeline: SpecPipeline,
  records: readonly RawRecord[],
): Promise<Record<string, number[]>> {
  const feeds: Record<string, unknown> = {};
  for (const { name, kind } of pipeline.inputs) {
    const values = records.map((r) => r[name]);
    feeds[name] =
      kind === 'numeric'
        ? new ort.Tensor(
            'float32',
            Float32Array.from(values, (v) => (typeof v === 'number' ? v : NaN)),
            [records.length, 1],
          )
        : new ort.Tensor(
            'string',
            values.map((v) => (typeof v === 'string' ? v : '')),
            [records.length, 1],
          );
  }
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'basic' });
  const res = await session.run(feeds as never);
  const out: Record<string, number[]> = {};
  for (const [k, t] of Object.entries(res)) out[k] = Array.from(t.data as ArrayLike<number | bigint>, Number);
  await session.release();
  return out;
}

export { ortNode, ortWeb };

/**
 * Debian's python3-onnx, an independent ONNX checker. Only system tests (`*.system.test.ts`, run by
 * `npm run test:system`) use it; without the package they fail, naming it.
 */
export const ONNX_CHECKER_PACKAGE = 'python3-onnx';
const SYSTEM_PYTHON = '/usr/bin/python3';

/** Throws, naming the package, when the checker is not installed. */
export function requireOnnxChecker(): void {
  try {
    execFileSync(SYSTEM_PYTHON, ['-c', 'import onnx'], { stdio: 'pipe' });
  } catch {
    throw new Error(
      `this system test needs the Debian package ${ONNX_CHECKER_PACKAGE} (${SYSTEM_PYTHON} -c 'import onnx' failed): ` +
        `apt-get install ${ONNX_CHECKER_PACKAGE}`,
    );
  }
}

/** Runs Debian's onnx checker (full check) on each file; returns the process's output (throws on failure). */
export function onnxCheck(dir: string, models: Record<string, Uint8Array>): string {
  requireOnnxChecker();
  const paths = Object.entries(models).map(([name, bytes]) => {
    const p = join(dir, `${name}.onnx`);
    writeFileSync(p, bytes);
    return p;
  });
  const script =
    'import onnx,sys\nfor p in sys.argv[1:]:\n    onnx.checker.check_model(onnx.load(p), full_check=True)\n    print("ok", p)';
  return execFileSync(SYSTEM_PYTHON, ['-c', script, ...paths], { encoding: 'utf8' });
}
