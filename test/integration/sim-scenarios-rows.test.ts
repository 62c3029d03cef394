/**
 * What simulated devices measure (stack/sim/rows.ts): rows follow the manifest's reference profile,
 * and the stand-in model's predictions keep the reference's share of positives — for the sim's own
 * artifact and for the committed occupancy build the composed stack runs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { binIndex, mulberry32, type Manifest } from '@outpost/protocol';
import { SIM_OCCUPIED_P, SIM_REFERENCE, rowSampler, standIn } from '../../stack/sim/rows.ts';

const occupancy = JSON.parse(
  readFileSync(join(import.meta.dirname, '../../firmware-models/occupancy/1/manifest.json'), 'utf8'),
) as Manifest;
const simManifest = {
  ...occupancy,
  task: 'binary',
  inputs: Object.keys(SIM_REFERENCE.features).map((name) => ({ name, type: 'float' })),
  outputs: [{ name: 'probability', type: 'float', shape: [1] }],
  predictionOutput: 'probability',
  metrics: { cv: { metric: 'accuracy', value: 0.97 } },
  reference: SIM_REFERENCE,
} as Manifest;

const N = 20_000;

describe('simulated rows and the stand-in model', () => {
  for (const [name, manifest] of [
    ['the sim artifact', simManifest],
    ['occupancy v1', occupancy],
  ] as const) {
    it(`${name}: every numeric input's bins follow the reference frequencies`, () => {
      const sample = rowSampler(manifest);
      const rng = mulberry32(7);
      const rows = Array.from({ length: N }, () => sample(rng));
      for (const [feature, ref] of Object.entries(manifest.reference.features)) {
        if (ref.kind !== 'numeric') continue;
        const counts = new Array<number>(ref.freqs.length).fill(0);
        for (const r of rows) {
          const b = binIndex(ref.edges, r[feature] as number);
          counts[b] = (counts[b] ?? 0) + 1;
        }
        counts.forEach((c, i) => expect(Math.abs(c / N - (ref.freqs[i] as number))).toBeLessThan(0.015));
      }
    });

    it(`${name}: predictions keep the reference's share of positives, and labels agree as often as its accuracy`, () => {
      const model = standIn(manifest);
      const sample = rowSampler(manifest);
      const rng = mulberry32(11);
      let positives = 0;
      let agree = 0;
      let flippedAgree = 0;
      for (let i = 0; i < N; i++) {
        const row = sample(rng);
        const p = model.predict(row);
        expect([model.positive, model.negative]).toContain(p);
        const cls = p === model.positive ? 1 : 0;
        positives += cls;
        agree += model.label(row, rng, false) === cls ? 1 : 0;
        flippedAgree += model.label(row, rng, true) === cls ? 1 : 0;
      }
      const ref = manifest.reference.prediction;
      const expected = ref.kind === 'numeric' ? (ref.freqs.at(-1) as number) : 0;
      expect(Math.abs(positives / N - expected)).toBeLessThan(0.015);
      expect(Math.abs(agree / N - (1 - model.noise))).toBeLessThan(0.01);
      expect(flippedAgree / N).toBeLessThan(0.05);
    });
  }

  it('outputs probabilities for a float output and class indices for an integer one', () => {
    expect([standIn(simManifest).positive, standIn(simManifest).negative]).toEqual([
      SIM_OCCUPIED_P,
      1 - SIM_OCCUPIED_P,
    ]);
    expect(standIn(simManifest).threshold).toBeCloseTo(300, 6);
    expect([standIn(occupancy).positive, standIn(occupancy).negative]).toEqual([1, 0]);
    expect(standIn(occupancy).feature).toBe('Light');
  });
});
