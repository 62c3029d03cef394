import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { FeatureStep } from '../src/spec/steps.ts';
import { designColumnNames, fitSpecPipeline } from '../src/preprocess/spec-pipeline.ts';
import { all, cat, design, feats, fit, num, records } from './spec-pipeline-fixtures.ts';

describe('spec pipeline: cluster similarity', () => {
  const f = Math.fround;
  /** exp(−gamma·‖x − c‖²) with the pipeline's float32 rounding. */
  const sim = (x: readonly number[], c: readonly number[], gamma: number): number => {
    let s = 0;
    x.forEach((v, j) => {
      const d = f(v - (c[j] as number));
      s = j === 0 ? f(d * d) : f(s + f(d * d));
    });
    return f(Math.exp(f(s * -f(gamma))));
  };

  it('finds the centres of tight groups and adds exp(−gamma·d²) to each', () => {
    // Two groups of identical points: the centres are the groups themselves, whatever the seed.
    const cols = [num('lat', [1, 1, 1, 4, 4]), num('lon', [2, 2, 2, 6, 6])];
    const p = fit(
      cols,
      [],
      feats({ op: 'cluster_similarity', name: 'geo', columns: ['lat', 'lon'], k: 2, gamma: 0.5 }),
    );
    expect(designColumnNames(p)).toEqual(['lat', 'lon', 'geo_0', 'geo_1']);
    const step = p.steps.find((s) => s.op === 'cluster_similarity');
    expect(
      step?.op === 'cluster_similarity' && [...step.centres].sort((a, b) => (a[0] as number) - (b[0] as number)),
    ).toEqual([
      [1, 2],
      [4, 6],
    ]);
    expect(step).toMatchObject({ name: 'geo', columns: ['lat', 'lon'], gamma: 0.5 });
    const centres = step?.op === 'cluster_similarity' ? step.centres : [];
    const [r0, r3] = [design(p, cols)[0] as number[], design(p, cols)[3] as number[]];
    // ‖(1,2) − (4,6)‖² = 25.
    expect(r0.slice(2)).toEqual(centres.map((c) => (c[0] === 1 ? 1 : f(Math.exp(-12.5)))));
    expect(r3.slice(2)).toEqual(centres.map((c) => (c[0] === 4 ? 1 : f(Math.exp(-12.5)))));
    const got = records(p, [
      { lat: 2, lon: 3 },
      { lat: null, lon: 3.5 },
      { lat: 1e6, lon: -1e6 },
    ]);
    // A missing lat is the training median (1) before the step sees it; far away → 0.
    expect(got.map((r) => r.slice(2))).toEqual([
      centres.map((c) => sim([2, 3], c, 0.5)),
      centres.map((c) => sim([1, 3.5], c, 0.5)),
      [0, 0],
    ]);
  });

  it('reads columns made by earlier steps, and is the same for the same seed', () => {
    const pts = Array.from({ length: 60 }, (_, i) => [Math.sin(i * 1.7) * 5, Math.cos(i * 2.3) * 5]);
    const cols = [
      num(
        'x',
        pts.map((r) => r[0] as number),
      ),
      num(
        'y',
        pts.map((r) => r[1] as number),
      ),
    ];
    const steps = (seed?: number): FeatureStep[] =>
      feats(
        { op: 'rotate', name: 'r', x: 'x', y: 'y', degrees: 30 },
        {
          op: 'cluster_similarity',
          name: 'c',
          columns: ['r', 'y'],
          k: 4,
          gamma: 0.2,
          ...(seed === undefined ? {} : { seed }),
        },
        { op: 'log', columns: ['c_1'] },
      );
    const a = fitSpecPipeline({ columns: cols, rows: all(60), features: steps(3) });
    const b = fitSpecPipeline({ columns: cols, rows: all(60), features: steps(3) });
    expect(JSON.stringify(b.pipeline)).toBe(JSON.stringify(a.pipeline));
    expect(designColumnNames(a.pipeline)).toEqual(['x', 'y', 'r', 'c_0', 'c_1', 'c_2', 'c_3']);
    // The step's seed wins over the pipeline's; without one the pipeline's seed is used.
    expect(
      JSON.stringify(fitSpecPipeline({ columns: cols, rows: all(60), features: steps(3), seed: 99 }).pipeline),
    ).toBe(JSON.stringify(a.pipeline));
    expect(JSON.stringify(fitSpecPipeline({ columns: cols, rows: all(60), features: steps(), seed: 3 }).pipeline)).toBe(
      JSON.stringify(a.pipeline),
    );
    const m = design(a.pipeline, cols);
    for (const r of m) {
      for (const v of r.slice(3)) expect(Number.isFinite(v)).toBe(true);
      expect(r[4]).toBeLessThanOrEqual(Math.log(2) + 1e-6);
    }
  });

  it('rejects an unknown or categorical column', () => {
    const code = expect.objectContaining({ code: TrainerErrorCodes.PREPROCESS_STEP_INVALID });
    const cols = [num('x', [1, 2, 3]), cat('c', ['a', 'b', 'a'])];
    expect(() =>
      fit(cols, [], feats({ op: 'cluster_similarity', name: 'g', columns: ['x', 'z'], k: 2, gamma: 1 })),
    ).toThrow(expect.objectContaining({ details: { step: 'cluster_similarity', column: 'z' } }));
    expect(() =>
      fit(cols, [], feats({ op: 'cluster_similarity', name: 'g', columns: ['x', 'c'], k: 2, gamma: 1 })),
    ).toThrow(code);
    expect(() =>
      fit(cols, [], feats({ op: 'cluster_similarity', name: 'x', columns: ['x'], k: 1, gamma: 1 }), [0, 1]),
    ).not.toThrow();
    expect(() =>
      fit([num('x_0', [1])], [], feats({ op: 'cluster_similarity', name: 'x', columns: ['x_0'], k: 1, gamma: 1 })),
    ).toThrow(code);
  });
});
