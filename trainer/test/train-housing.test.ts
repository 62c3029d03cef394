import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import {
  Manifest,
  artifactIdOf,
  binIndex,
  generateSigningKeyPair,
  sha256Hex,
  validate,
  verifyManifest,
  type InputSpec,
} from '@outpost/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_HOUSING_CSV } from '../src/cli/train-command.ts';
import { trainHousing, type TrainResult } from '../src/index.ts';
import { decodeModel } from '../src/onnx/graph-builder.ts';
import { tempDir } from './helpers.ts';

/** Debian's python3-onnx, an independent checker (.ci/run installs it: `apt-get install python3-onnx`). */
const SYSTEM_PYTHON = '/usr/bin/python3';

type Row = Record<string, number | string | null>;
const FIXED_NOW = Date.UTC(2026, 0, 2, 3, 4, 5);

/** ONNX feeds for raw rows: [N,1] float (NaN = missing) or string ('' = missing) per input. */
function feeds(inputs: readonly InputSpec[], rows: readonly Row[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const spec of inputs) {
    const values = rows.map((r) => r[spec.name] ?? null);
    out[spec.name] =
      spec.type === 'float'
        ? new ort.Tensor(
            'float32',
            Float32Array.from(values, (v) => (typeof v === 'number' ? v : NaN)),
            [rows.length, 1],
          )
        : new ort.Tensor(
            'string',
            values.map((v) => (typeof v === 'string' ? v : '')),
            [rows.length, 1],
          );
  }
  return out;
}

function expectRelClose(got: ArrayLike<number>, want: readonly number[], rel = 1e-5): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i] as number;
    expect(Math.abs(g - w) / Math.abs(w), `row ${i}: onnx ${g} vs ${w}`).toBeLessThan(rel);
  });
}

describe('trainHousing end to end', () => {
  const tmp = tempDir();
  const keys = generateSigningKeyPair();
  const outRoot = join(tmp.dir, 'models');
  let result: TrainResult;
  let session: ort.InferenceSession;
  const progress: string[] = [];

  beforeAll(async () => {
    result = await trainHousing({
      csvPath: DEFAULT_HOUSING_CSV,
      outRoot,
      keys,
      now: () => FIXED_NOW,
      onProgress: (m) => progress.push(m),
    });
    session = await ort.InferenceSession.create(readFileSync(join(result.artifactDir, 'model.onnx')));
  });
  afterAll(async () => {
    await session?.release();
    tmp.cleanup();
  });

  it('writes a schema-valid, signed manifest whose file hashes match', () => {
    expect(result.version).toBe(1);
    expect(result.artifactDir).toBe(join(outRoot, 'housing', '1'));
    const bytes = readFileSync(join(result.artifactDir, 'manifest.json'));
    const manifest = validate(Manifest, JSON.parse(bytes.toString('utf8')), 'manifest');
    expect(manifest).toEqual(result.manifest);
    expect(result.artifactId).toBe(artifactIdOf(bytes));
    expect(() => verifyManifest(manifest, keys.publicKeyPem)).not.toThrow();
    expect(() => verifyManifest(manifest, generateSigningKeyPair().publicKeyPem)).toThrow();
    expect(manifest.files.map((f) => [f.path, f.role])).toEqual([
      ['model.onnx', 'model'],
      ['card.md', 'card'],
    ]);
    for (const f of manifest.files) {
      const content = readFileSync(join(result.artifactDir, f.path));
      expect(f.bytes).toBe(content.byteLength);
      expect(f.sha256).toBe(sha256Hex(content));
    }
    expect(manifest.createdAt).toBe(new Date(FIXED_NOW).toISOString());
    expect(manifest.parentVersion).toBeNull();
    expect(manifest.trainer).toMatchObject({ algorithm: 'ridge', seed: 42 });
    expect(progress.length).toBeGreaterThan(0);
  });

  it('describes inputs, outputs, metrics and the reference profile', () => {
    const m = result.manifest;
    expect(m.inputs.map((i) => i.name)).toEqual([
      'longitude',
      'latitude',
      'housing_median_age',
      'total_rooms',
      'total_bedrooms',
      'population',
      'households',
      'median_income',
      'ocean_proximity',
    ]);
    expect(m.inputs.at(-1)).toEqual({
      name: 'ocean_proximity',
      type: 'string',
      categories: ['<1H OCEAN', 'INLAND', 'ISLAND', 'NEAR BAY', 'NEAR OCEAN'],
    });
    expect(m.outputs).toEqual([{ name: 'prediction', type: 'float', shape: [1] }]);
    expect(m.metrics.cv_rmse_linear).toMatchObject({ metric: 'rmse', folds: 5 });
    expect(m.trainingData.rows).toBe(result.trainRowCount);
    expect(result.trainRowCount + result.testRowCount).toBe(20640);
    const bedrooms = m.reference.features.total_bedrooms;
    expect(bedrooms?.kind).toBe('numeric');
    if (bedrooms?.kind === 'numeric') {
      expect(bedrooms.edges).toHaveLength(9);
      expect(bedrooms.missing).toBeGreaterThan(0.005);
      expect(bedrooms.freqs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(binIndex(bedrooms.edges, -1)).toBe(0);
    }
    expect(m.reference.prediction.freqs).toHaveLength(m.reference.prediction.edges.length + 1);
  });

  it('beats the baseline with a linear CV RMSE near scikit-learn’s 69,204', () => {
    expect(result.cv.linear.mean).toBeGreaterThan(60_000);
    expect(result.cv.linear.mean).toBeLessThan(80_000);
    expect(result.cv.linear.mean).toBeLessThan(result.cv.baseline.mean);
    expect(result.cv.linear.std).toBeGreaterThan(0);
  });

  it('has a graph of raw inputs [N,1] and one prediction output', () => {
    const graph = decodeModel(readFileSync(join(result.artifactDir, 'model.onnx'))).graph;
    expect(graph?.input?.map((i) => i.name)).toEqual(result.manifest.inputs.map((i) => i.name));
    expect(graph?.output?.map((o) => o.name)).toEqual(['prediction']);
    expect(session.inputNames).toEqual(result.manifest.inputs.map((i) => i.name));
    expect(session.outputNames).toEqual(['prediction']);
  });

  it('passes onnx.checker.check_model with full shape inference', () => {
    const script = 'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)';
    const res = spawnSync(SYSTEM_PYTHON, ['-c', script, join(result.artifactDir, 'model.onnx')], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
  });

  it('runs in onnxruntime-web with the same predictions as predict() on 200 held-out rows', async () => {
    const rows = result.heldOutRows.slice(0, 200);
    expect(rows[0]).not.toHaveProperty('median_house_value');
    const out = await session.run(feeds(result.manifest.inputs, rows));
    expect(out.prediction?.dims).toEqual([200, 1]);
    expectRelClose(out.prediction?.data as Float32Array, result.predict(rows));
  });

  it('matches every golden example, including a missing value and an unseen category', async () => {
    const golden = result.manifest.golden;
    expect(golden.length).toBeGreaterThanOrEqual(8);
    expect(golden.some((g) => g.inputs.total_bedrooms === null)).toBe(true);
    expect(golden.some((g) => g.inputs.ocean_proximity === 'MARS')).toBe(true);
    const rows = golden.map((g) => g.inputs);
    const want = golden.map((g) => g.outputs.prediction?.[0] as number);
    expect(result.predict(rows)).toEqual(want);
    const out = await session.run(feeds(result.manifest.inputs, rows));
    expectRelClose(out.prediction?.data as Float32Array, want);
  });

  it('treats missing and unseen values in the graph as predict() does', async () => {
    const base = result.heldOutRows[0] as Row;
    const rows: Row[] = [
      { ...base, median_income: null, ocean_proximity: null },
      { ...base, ocean_proximity: '' },
      Object.fromEntries(Object.keys(base).map((k) => [k, null])),
    ];
    const out = await session.run(feeds(result.manifest.inputs, rows));
    expectRelClose(out.prediction?.data as Float32Array, result.predict(rows));
  });

  it('is deterministic: same seed, same model bytes; the next version links its parent', async () => {
    const again = await trainHousing({ csvPath: DEFAULT_HOUSING_CSV, outRoot, keys, now: () => FIXED_NOW });
    expect(again.version).toBe(2);
    expect(again.manifest.parentVersion).toBe(1);
    const a = readFileSync(join(result.artifactDir, 'model.onnx'));
    const b = readFileSync(join(again.artifactDir, 'model.onnx'));
    expect(b.equals(a)).toBe(true);
    expect(again.cv).toEqual(result.cv);
    expect(again.manifest.trainingData.fingerprint).toBe(result.manifest.trainingData.fingerprint);
  });
});
