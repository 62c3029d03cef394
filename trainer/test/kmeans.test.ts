import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { kMeans, type Points } from '../src/models/kmeans.ts';
import { mulberry32 } from '../src/random.ts';

/** Gaussian-ish blobs (sum of uniforms) around `centres`, `per` points each, in blob order. */
function blobs(
  centres: readonly (readonly number[])[],
  per: number,
  spread: number,
  seed: number,
): Points & { blob: number[] } {
  const rng = mulberry32(seed);
  const d = (centres[0] as readonly number[]).length;
  const data: number[] = [];
  const blob: number[] = [];
  centres.forEach((c, b) => {
    for (let i = 0; i < per; i++) {
      for (let j = 0; j < d; j++) data.push((c[j] as number) + spread * (rng() + rng() + rng() - 1.5));
      blob.push(b);
    }
  });
  return { data: Float64Array.from(data), n: blob.length, d, blob };
}

function meanOf(p: Points, rows: readonly number[]): number[] {
  return Array.from(
    { length: p.d },
    (_, j) => rows.reduce((s, i) => s + (p.data[i * p.d + j] as number), 0) / rows.length,
  );
}

function uniform(n: number, seed: number): Points {
  const rng = mulberry32(seed);
  return { data: Float64Array.from({ length: n * 2 }, () => rng() * 10), n, d: 2 };
}

describe('k-means', () => {
  const truth = [
    [0, 0],
    [10, 10],
    [-10, 10],
    [10, -10],
    [-3, -12],
  ];

  it('recovers the centres of well-separated clusters: each is its blob mean', () => {
    const p = blobs(truth, 150, 1, 3);
    const r = kMeans(p, { k: truth.length, seed: 7 });
    // Every blob lands in one cluster of its own …
    for (let b = 0; b < truth.length; b++) {
      const labels = new Set(p.blob.flatMap((x, i) => (x === b ? [r.labels[i]] : [])));
      expect(labels.size).toBe(1);
    }
    expect(new Set(r.labels).size).toBe(truth.length);
    // … so its centre is exactly the blob's sample mean, close to the true centre.
    for (let b = 0; b < truth.length; b++) {
      const rows = p.blob.flatMap((x, i) => (x === b ? [i] : []));
      const centre = r.centres[r.labels[rows[0] as number] as number] as Float64Array;
      const mean = meanOf(p, rows);
      mean.forEach((m, j) => expect(centre[j]).toBeCloseTo(m, 9));
      (truth[b] as number[]).forEach((t, j) => expect(Math.abs((centre[j] as number) - t)).toBeLessThan(0.25));
    }
    let inertia = 0;
    for (let i = 0; i < p.n; i++) {
      const c = r.centres[r.labels[i] as number] as Float64Array;
      inertia +=
        ((p.data[2 * i] as number) - (c[0] as number)) ** 2 + ((p.data[2 * i + 1] as number) - (c[1] as number)) ** 2;
    }
    expect(r.inertia).toBeCloseTo(inertia, 6);
  });

  it('is deterministic for a seed', () => {
    const p = uniform(500, 1);
    const a = kMeans(p, { k: 6, seed: 11 });
    const b = kMeans(p, { k: 6, seed: 11 });
    expect(b.centres.map((c) => Array.from(c))).toEqual(a.centres.map((c) => Array.from(c)));
    expect(b.inertia).toBe(a.inertia);
    const other = kMeans(p, { k: 6, seed: 12, restarts: 1 });
    const first = kMeans(p, { k: 6, seed: 11, restarts: 1 });
    expect(other.centres.map((c) => Array.from(c))).not.toEqual(first.centres.map((c) => Array.from(c)));
  });

  it('ends at a Lloyd fixed point, and restarts keep the lowest inertia', () => {
    const p = uniform(600, 2);
    const one = kMeans(p, { k: 8, seed: 5, restarts: 1 });
    const many = kMeans(p, { k: 8, seed: 5, restarts: 6 });
    // The first restart draws the same numbers as the single run, so the best is at least as good.
    expect(many.inertia).toBeLessThanOrEqual(one.inertia);
    for (let c = 0; c < 8; c++) {
      const rows = Array.from(many.labels).flatMap((l, i) => (l === c ? [i] : []));
      expect(rows.length).toBeGreaterThan(0);
      meanOf(p, rows).forEach((m, j) => expect((many.centres[c] as Float64Array)[j]).toBeCloseTo(m, 9));
    }
  });

  it('copes with fewer distinct points than k', () => {
    const p: Points = { data: Float64Array.from([1, 1, 1, 1, 5, 5, 5, 5, 9, 0]), n: 5, d: 2 };
    const r = kMeans(p, { k: 4, seed: 0 });
    expect(r.centres).toHaveLength(4);
    expect(r.inertia).toBe(0);
    const keys = new Set(r.centres.map((c) => Array.from(c).join(',')));
    expect(keys).toEqual(new Set(['1,1', '5,5', '9,0']));
  });

  it('rejects k < 1 and an empty point set', () => {
    expect(() => kMeans(uniform(10, 1), { k: 0, seed: 0 })).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.MODEL_PARAM_INVALID }),
    );
    expect(() => kMeans({ data: new Float64Array(0), n: 0, d: 2 }, { k: 1, seed: 0 })).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.DATA_TOO_SMALL }),
    );
  });
});
