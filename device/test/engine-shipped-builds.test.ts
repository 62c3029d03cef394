/**
 * The conformance suite's second half: every committed build's own golden records (written by the
 * trainer from its in-process model) pass in every engine that runs model.onnx, and both ONNX
 * engines give the same predictions on them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Manifest } from '@outpost/protocol';
import { createOrtNodeEngine, createOrtWebEngine, smokeTest, type InferenceEngine } from '../src/index.ts';

const MODELS = path.join(import.meta.dirname, '..', '..', 'firmware-models');

const builds = readdirSync(MODELS, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(path.join(MODELS, d.name), { withFileTypes: true })
      .filter((v) => v.isDirectory() && /^\d+$/.test(v.name))
      .map((v) => path.join(MODELS, d.name, v.name)),
  );

const engines: [string, () => InferenceEngine][] = [
  ['onnxruntime-node', () => createOrtNodeEngine()],
  ['onnxruntime-web', () => createOrtWebEngine()],
];

describe('committed builds in every ONNX engine', () => {
  it('finds the committed builds', () => expect(builds.length).toBeGreaterThanOrEqual(4));

  for (const dir of builds) {
    it(`${path.relative(MODELS, dir)}: golden records pass and the engines agree`, async () => {
      const manifest = Manifest.parse(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
      const bytes = readFileSync(path.join(dir, 'model.onnx'));
      const predictions: number[][] = [];
      for (const [, make] of engines) {
        const session = await make().load(bytes, manifest);
        try {
          await smokeTest(session, manifest);
          predictions.push((await session.run(manifest.golden.map((g) => ({ ...g.inputs })))).predictions);
        } finally {
          await session.release();
        }
      }
      const [a, b] = predictions as [number[], number[]];
      expect(a.length).toBe(manifest.golden.length);
      a.forEach((p, i) => expect(p).toBeCloseTo(b[i] as number, 4));
    });

    // Requests joined into one run (inference/run-batcher.ts) get the answers they would get alone.
    it(`${path.relative(MODELS, dir)}: a row's outputs in a run of 64 rows are those of a run of that row alone`, async () => {
      const manifest = Manifest.parse(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
      const session = await createOrtNodeEngine().load(readFileSync(path.join(dir, 'model.onnx')), manifest);
      try {
        const rows = Array.from({ length: 64 }, (_, i) => ({
          ...manifest.golden[(i * 7) % manifest.golden.length]?.inputs,
        }));
        const joined = await session.run(rows);
        for (const [i, row] of rows.entries()) {
          const alone = await session.run([row]);
          for (const [name, data] of Object.entries(alone.outputs)) {
            const values = (d: ArrayLike<unknown> | undefined): unknown[] => Array.from(d ?? []);
            const k = data.length;
            expect(values(joined.outputs[name]).slice(i * k, (i + 1) * k), `${name} of row ${i}`).toEqual(values(data));
          }
        }
      } finally {
        await session.release();
      }
    });
  }
});
