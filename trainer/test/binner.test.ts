import { describe, expect, it } from 'vitest';
import { applyBins, binOf, fitBins, MAX_BINS, type FeatureBins } from '../src/models/binner.ts';
import { matrix } from '../src/models/learner.ts';
import { mulberry32 } from '../src/random.ts';

const column = (values: number[]) => matrix(Float64Array.from(values), 1);

/** Every value lands in the bin whose interval (thresholds[b-1], thresholds[b]] holds it. */
function expectConsistent(fb: FeatureBins, values: number[]): void {
  const t = fb.thresholds[0] as Float64Array;
  for (let i = 1; i < t.length; i++) expect(t[i] as number).toBeGreaterThan(t[i - 1] as number);
  const binned = applyBins(column(values), fb);
  values.forEach((v, r) => {
    const b = binned.bins[r] as number;
    expect(b).toBe(binOf(t, v));
    if (b < t.length) expect(v).toBeLessThanOrEqual(t[b] as number);
    if (b > 0) expect(v).toBeGreaterThan(t[b - 1] as number);
  });
}

/** Values with heavy ties: `distinct` levels, each repeated, shuffled. */
function tiedValues(distinct: number, repeats: number, seed: number): number[] {
  const rng = mulberry32(seed);
  const out: number[] = [];
  for (let d = 0; d < distinct; d++) for (let k = 0; k < repeats; k++) out.push(d * 0.01 - 3);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j] as number, out[i] as number];
  }
  return out;
}

describe.each([['binner.fitBins', fitBins]])('%s', (_name, fit) => {
  it('cuts few distinct values at the midpoints', () => {
    const fb = fit(column([3, 1, 2, 2, 1, 5]));
    expect(Array.from(fb.thresholds[0] as Float64Array)).toEqual([1.5, 2.5, 4]);
    expect(fb.counts[0]).toBe(4);
    expectConsistent(fb, [3, 1, 2, 2, 1, 5]);
  });

  it('gives a constant column one bin', () => {
    const fb = fit(column([7, 7, 7]));
    expect(fb.counts[0]).toBe(1);
    expect(applyBins(column([7, 7, 7]), fb).bins).toEqual(new Uint8Array(3));
  });

  it('keeps more than 255 distinct values to at most 255 bins, consistently with binOf', () => {
    const rng = mulberry32(3);
    const values = Array.from({ length: 5000 }, () => rng() * 100 - 50);
    const fb = fit(column(values));
    expect(fb.counts[0]).toBeLessThanOrEqual(MAX_BINS);
    expect(fb.counts[0]).toBeGreaterThan(200);
    expectConsistent(fb, values);
  });

  it('keeps ties in one bin', () => {
    const values = tiedValues(400, 7, 5);
    const fb = fit(column(values));
    expectConsistent(fb, values);
    const binned = applyBins(column(values), fb);
    const binOfValue = new Map<number, number>();
    values.forEach((v, r) => {
      const b = binned.bins[r] as number;
      expect(binOfValue.get(v) ?? b).toBe(b);
      binOfValue.set(v, b);
    });
  });

  it('respects a smaller max_bins', () => {
    const rng = mulberry32(9);
    const values = Array.from({ length: 1000 }, () => rng());
    expect(fit(column(values), 16).counts[0]).toBeLessThanOrEqual(16);
  });
});

describe('fitBins on tied data', () => {
  it('still uses (nearly) all 255 bins when 400 distinct values each repeat', () => {
    // Cuts must not vanish just because the order statistics either side of a quantile are equal
    // (an earlier fitBins did that and left tied columns with a handful of bins).
    const fb = fitBins(column(tiedValues(400, 7, 5)));
    expect(fb.counts[0]).toBeGreaterThanOrEqual(250);
    expect(fb.counts[0]).toBeLessThanOrEqual(MAX_BINS);
  });

  it('spreads rows evenly over the quantile bins', () => {
    const rng = mulberry32(11);
    const values = Array.from({ length: 25500 }, () => rng());
    const fb = fitBins(column(values));
    const per = new Uint32Array(fb.counts[0] as number);
    for (const b of applyBins(column(values), fb).bins) per[b] = (per[b] as number) + 1;
    for (const c of per) expect(Math.abs(c - 100)).toBeLessThanOrEqual(2);
  });
});
