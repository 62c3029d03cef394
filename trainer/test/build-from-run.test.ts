/**
 * A run folder holds the model it ships: `outpost test` evaluates that model.onnx (in
 * onnxruntime-web, as a device runs it) and `outpost build --from <run>` signs those same bytes
 * without training again — the data file may be gone.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CliErrorCodes, parseCsv, sha256Hex } from '@outpost/protocol';
import { buildFromSpec, type TrainFn } from '../src/cli/build-command.ts';
import { specTestAction } from '../src/cli/train-spec.ts';
import { runTraining } from '../src/run/run-training.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { tempDir } from './helpers.ts';
import { QUICK_CANDIDATES, regressionFixture } from './run-fixtures.ts';

const tmp = tempDir('outpost-build-from-');
let runDir: string;
beforeAll(async () => {
  const { spec, csv } = regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES });
  runDir = join(tmp.dir, 'runs', 'synth', 'r1');
  await runTraining(loadSpec(spec), { runDir, quick: true, stacking: false });
  rmSync(csv); // nothing below may need the data
}, 120_000);
afterAll(() => tmp.cleanup());

describe('the run ships the model it tested', () => {
  it('outpost test scores the run model.onnx through onnxruntime-web (float32 outputs), not the float64 in-process model', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await specTestAction(runDir, {});
    } finally {
      log.mockRestore();
    }
    const csv = parseCsv(readFileSync(join(runDir, 'predictions.csv'), 'utf8'));
    const predictions = csv.rows.map((r) => Number(r[1]));
    expect(predictions.length).toBeGreaterThan(10);
    expect(predictions.every((p) => Math.fround(p) === p)).toBe(true);
  });

  it('keeps one compact copy of the saved model: model.json on one line, trained-model.json without it', () => {
    const model = readFileSync(join(runDir, 'model.json'), 'utf8');
    expect(model.trimEnd().split('\n')).toHaveLength(1);
    const trained = JSON.parse(readFileSync(join(runDir, 'trained-model.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(trained)).not.toContain('model');
    expect(Object.keys(trained)).toEqual(expect.arrayContaining(['pipeline', 'trainRecords', 'validation', 'inputs']));
  });

  it('outpost build --from <run> builds without training: same model.onnx bytes, data file removed', async () => {
    const train = vi.fn<TrainFn>(() => Promise.reject(new Error('must not train')));
    const keys = join(tmp.dir, 'keys');
    const { built, trained } = await buildFromSpec(
      undefined,
      { from: runDir, keys, out: join(tmp.dir, 'artifacts'), createdAt: '2024-01-01T00:00:00Z' },
      train,
    );
    expect(train).not.toHaveBeenCalled();
    const shipped = readFileSync(join(built.artifactDir, 'model.onnx'));
    expect(sha256Hex(shipped)).toBe(sha256Hex(readFileSync(join(runDir, 'model.onnx'))));
    expect(built.manifest.golden.length).toBeGreaterThan(0);
    expect(trained.name).toBe('synth');
    // Built twice from the run: the same bytes.
    const again = await buildFromSpec(
      undefined,
      { from: runDir, keys, out: join(tmp.dir, 'again'), createdAt: '2024-01-01T00:00:00Z' },
      train,
    );
    expect(again.built.artifactId).toBe(built.artifactId);
  });

  it('refuses a spec and --from together, and training options with --from', async () => {
    const keys = join(tmp.dir, 'keys');
    const caught = async (p: Promise<unknown>): Promise<string | undefined> =>
      p.then(
        () => undefined,
        (e: { code?: string }) => e.code,
      );
    expect(await caught(buildFromSpec('x', { from: runDir, keys }))).toBe(CliErrorCodes.CLI_ARGS);
    expect(await caught(buildFromSpec(undefined, { from: runDir, keys, seed: '3' }))).toBe(CliErrorCodes.CLI_ARGS);
  });
});
