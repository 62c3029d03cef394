import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, isOutpostError, type Manifest } from '@outpost/protocol';
import { DeviceErrorCodes, closeEnough, smokeTest, type InferenceEngine, type InferenceSession } from '../src/index.ts';
import { modelFileFor } from '../src/inference/model-file.ts';
import { GOLDEN_ROWS, writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';
import { expected } from './helpers/onnx-model.ts';

/** Float32 graph vs float64 hand computation. */
export const ENGINE_RTOL = 1e-6;

/**
 * The golden cases every InferenceEngine passes, run against every implementation
 * (docs/ARCHITECTURE.md "Composition and tests"): onnxruntime-web (engine-ort-web.test.ts),
 * onnxruntime-node (engine-ort-node.test.ts).
 */
export function defineEngineContract(label: string, makeEngine: () => InferenceEngine): void {
  describe(`InferenceEngine contract: ${label}`, () => {
    let root: string;
    let artifact: FixtureArtifact;
    let engine: InferenceEngine;
    let session: InferenceSession;
    let modelBytes: Uint8Array;

    beforeAll(async () => {
      root = mkdtempSync(path.join(os.tmpdir(), 'outpost-engine-'));
      artifact = writeFixtureArtifact(root, generateSigningKeyPair(), 7);
      engine = makeEngine();
      // The file a device would pick for this engine (its manifest role).
      modelBytes = readFileSync(path.join(artifact.dir, modelFileFor(artifact.manifest, engine).path));
      session = await engine.load(modelBytes, artifact.manifest);
    });
    afterAll(async () => {
      await session.release();
      rmSync(root, { recursive: true, force: true });
    });

    it('has a name and the manifest role of the file it runs', () => {
      expect(engine.name.length).toBeGreaterThan(0);
      expect(['model', 'model-tflite']).toContain(engine.modelRole);
    });

    it('answers runs asked before release and refuses runs asked after it', async () => {
      const own = await engine.load(modelBytes, artifact.manifest);
      const asked = [1, 2, 3].map((x) => own.run([{ x, c: 'a' }]));
      const released = own.release();
      // Handled at once: the refusal is immediate, and left unhandled while the others run it would be reported as such.
      const late = expect(own.run([{ x: 1, c: 'a' }])).rejects.toMatchObject({
        code: DeviceErrorCodes.INFERENCE_FAILED,
      });
      const answers = await Promise.all(asked);
      answers.forEach((a, i) => expect(closeEnough(a.predictions[0] as number, expected(i + 1, 'a', 7))).toBe(true));
      await released;
      await late;
    });

    it('predicts the golden rows (batch of 3) within tolerance', async () => {
      const { predictions, outputs } = await session.run(GOLDEN_ROWS.map((r) => ({ ...r })));
      expect(predictions).toHaveLength(3);
      GOLDEN_ROWS.forEach((r, i) => expect(closeEnough(predictions[i] as number, expected(r.x, r.c, 7))).toBe(true));
      expect(outputs.prediction).toBeInstanceOf(Float32Array);
      expect(Array.from(outputs.prediction as Float32Array)).toEqual(predictions);
    });

    it('treats a missing float as NaN and a missing or unseen string as all-zero one-hot', async () => {
      const { predictions } = await session.run([
        { x: null, c: 'a' },
        { x: 1, c: null },
        { x: 1 },
        { x: 1, c: 'never-seen' },
        { x: 'oops', c: 'a' },
      ]);
      expect(predictions[0]).toBeNaN();
      expect(predictions[1]).toBeCloseTo(2 + 7, 5);
      expect(predictions[2]).toBeCloseTo(2 + 7, 5);
      expect(predictions[3]).toBeCloseTo(2 + 7, 5);
      expect(predictions[4]).toBeNaN();
    });

    it('runs a batch of 1000 and batch 1 repeatedly with the same answers', async () => {
      const rows = Array.from({ length: 1000 }, (_, i) => ({
        x: (i % 50) / 10 - 2.5,
        c: ['a', 'b', 'c', 'd'][i % 4] as string,
      }));
      const { predictions } = await session.run(rows);
      expect(predictions).toHaveLength(1000);
      rows.forEach((r, i) => expect(closeEnough(predictions[i] as number, expected(r.x, r.c, 7))).toBe(true));
      for (let k = 0; k < 20; k++) {
        const one = await session.run([rows[k] as { x: number; c: string }]);
        expect(one.predictions[0]).toBe(predictions[k]);
      }
    });

    it('keeps concurrent runs apart', async () => {
      const calls = Array.from({ length: 10 }, (_, k) =>
        session.run([
          { x: k, c: 'c' },
          { x: -k, c: 'b' },
        ]),
      );
      const results = await Promise.all(calls);
      results.forEach((res, k) => {
        expect(closeEnough(res.predictions[0] as number, expected(k, 'c', 7))).toBe(true);
        expect(closeEnough(res.predictions[1] as number, expected(-k, 'b', 7))).toBe(true);
      });
    });

    it('passes the smoke test of its own manifest, and fails one with wrong golden outputs', async () => {
      await smokeTest(session, artifact.manifest);
      const wrong: Manifest = {
        ...artifact.manifest,
        golden: artifact.manifest.golden.map((g) => ({
          ...g,
          outputs: { prediction: [(g.outputs.prediction?.[0] ?? 0) + 0.01] },
        })),
      };
      await expect(smokeTest(session, wrong)).rejects.toSatisfy((e) =>
        isOutpostError(e, DeviceErrorCodes.SMOKE_TEST_FAILED),
      );
    });

    it('refuses bytes that are not a model', async () => {
      await expect(engine.load(new Uint8Array([1, 2, 3, 4]), artifact.manifest)).rejects.toSatisfy((e) =>
        isOutpostError(e, DeviceErrorCodes.MODEL_LOAD),
      );
    });

    it('refuses a model whose inputs differ from its manifest', async () => {
      const other: Manifest = {
        ...artifact.manifest,
        inputs: [
          { name: 'x', type: 'float' },
          { name: 'z', type: 'string' },
        ],
      };
      await expect(engine.load(modelBytes, other)).rejects.toSatisfy((e) =>
        isOutpostError(e, DeviceErrorCodes.MODEL_LOAD),
      );
    });
  });
}
