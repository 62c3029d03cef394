/**
 * The exported binary `label` follows the tuned decision threshold exactly as the metrics do
 * (P(class 1) ≥ t → 1), in onnxruntime-web and in process (modelOutputs), for rows AT the threshold.
 */
import { describe, expect, it } from 'vitest';
import { artifactContents } from '../src/artifact/build.ts';
import { predictedLabels } from '../src/eval/metrics.ts';
import { exportModelOnnx, LABEL } from '../src/onnx/export-model.ts';
import { modelOutputs } from '../src/onnx/model-outputs.ts';
import { transformRecords } from '../src/preprocess/spec-pipeline.ts';
import { reviveModel } from '../src/learners/registry.ts';
import type { TreeEnsembleSaved } from '../src/model/saved.ts';
import { plainJSON } from '../src/run/revive.ts';
import { fitKind, fixture, ortWeb, runOnnx, trainedModel } from './export-fixtures.ts';

/** The next float32 above x (x a positive float32). */
function nextUp32(x: number): number {
  const f = new Float32Array([x]);
  new Uint32Array(f.buffer)[0]! += 1;
  return f[0] as number;
}

describe('ONNX label at a tuned threshold', () => {
  it('graph, modelOutputs and p ≥ t agree row for row, at the threshold and one float32 step above', async () => {
    const f = fixture(300);
    const fitted = await fitKind(f, 'tree', 'binary');
    // Leaves rounded to float32: the graph's P(class 1) is then exactly the in-process float64 one.
    const json = plainJSON(fitted.toJSON()) as TreeEnsembleSaved & { trees: { value: number[] }[] };
    for (const t of json.trees) t.value = t.value.map((v) => Math.fround(v));
    const model = reviveModel(json, 'binary');
    const records = f.validation;
    const p = model.predict(transformRecords(f.pipeline, records));
    // The most frequent fractional probability: many rows sit exactly on the threshold.
    const counts = new Map<number, number>();
    for (const v of p) if (!Number.isInteger(v)) counts.set(v, (counts.get(v) ?? 0) + 1);
    const [atT] = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0] as [number, number];
    expect(counts.get(atT)).toBeGreaterThan(3);
    for (const threshold of [atT, nextUp32(atT)]) {
      const t = { ...trainedModel(f, model, 'binary'), threshold };
      const expected = Array.from(predictedLabels(p.length, p, threshold));
      expect(expected.filter((l, i) => p[i] === atT && l === (threshold === atT ? 1 : 0))).toHaveLength(
        counts.get(atT) as number,
      );
      const onnx = await runOnnx(ortWeb, exportModelOnnx(t), f.pipeline, records);
      expect(onnx[LABEL]).toEqual(expected);
      expect(modelOutputs(t, records)[LABEL]?.map((r) => r[0])).toEqual(expected);
    }
    // Without a threshold: 0.5, same ≥ convention.
    const plain = trainedModel(f, model, 'binary');
    expect((await runOnnx(ortWeb, exportModelOnnx(plain), f.pipeline, records))[LABEL]).toEqual(
      Array.from(predictedLabels(p.length, p, 0.5)),
    );
  });

  it('the manifest carries decision_threshold, and the label description names it', async () => {
    const f = fixture(200);
    const t = { ...trainedModel(f, await fitKind(f, 'logistic', 'binary'), 'binary'), threshold: Math.fround(0.37) };
    const { unsigned } = await artifactContents(t, {
      version: 1,
      parentVersion: null,
      createdAt: 0,
      measureLatency: false,
    });
    expect(unsigned.metrics.decision_threshold).toEqual({ metric: 'threshold', value: Math.fround(0.37) });
    expect(unsigned.outputs.find((o) => o.name === LABEL)?.description).toMatch(/≥ 0\.37.*validation/);
    for (const g of unsigned.golden) {
      const p1 = g.outputs.probabilities?.[1] as number;
      expect(g.outputs.label).toEqual([p1 >= Math.fround(0.37) ? 1 : 0]);
    }
    const noThreshold = await artifactContents(trainedModel(f, t.model, 'binary'), {
      version: 1,
      parentVersion: null,
      createdAt: 0,
      measureLatency: false,
    });
    expect(noThreshold.unsigned.metrics.decision_threshold).toBeUndefined();
  });
});
