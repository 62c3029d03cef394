/**
 * k-means clustering: k-means++ seeding, Lloyd iterations until no point changes cluster (or the
 * centres stop moving, or `maxIter`), several restarts keeping the lowest inertia. Every random draw
 * comes from one seeded stream, so a seed gives the same centres bit for bit.
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { mulberry32, type Rng } from '../random.ts';

export interface KMeansOptions {
  k: number;
  seed: number;
  /** Independent seedings; the run with the lowest inertia wins (ties: the earliest). Default 4. */
  restarts?: number;
  /** Lloyd iterations per restart. Default 300. */
  maxIter?: number;
  /** Stop when every centre moves less than this (squared distance). Default 0: only when no label changes. */
  tol?: number;
}

export interface KMeansResult {
  /** k × d, in the order seeding picked them. */
  centres: Float64Array[];
  /** Sum of squared distances of the points to their nearest centre. */
  inertia: number;
  /** Nearest-centre index of each point. */
  labels: Int32Array;
  /** Lloyd iterations of the winning restart. */
  iterations: number;
}

/** Points: n rows of d coordinates, row-major. */
export interface Points {
  data: Float64Array;
  n: number;
  d: number;
}

function dist2(p: Points, i: number, c: Float64Array): number {
  let s = 0;
  const o = i * p.d;
  for (let j = 0; j < p.d; j++) {
    const t = (p.data[o + j] as number) - (c[j] as number);
    s += t * t;
  }
  return s;
}

function row(p: Points, i: number): Float64Array {
  return p.data.slice(i * p.d, (i + 1) * p.d);
}

/** Index i with probability weights[i] / Σ weights; uniform when every weight is 0. */
function draw(weights: Float64Array, total: number, rng: Rng): number {
  const n = weights.length;
  if (!(total > 0)) return Math.min(n - 1, Math.floor(rng() * n));
  const u = rng() * total;
  let acc = 0;
  for (let i = 0; i < n; i++) {
    acc += weights[i] as number;
    if (u < acc) return i;
  }
  // Rounding left u at or above the running sum: the last point with weight.
  for (let i = n - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
  return n - 1;
}

/** k-means++: the first centre uniformly, each next one with probability ∝ squared distance to the nearest chosen. */
function seedCentres(p: Points, k: number, rng: Rng): Float64Array[] {
  const centres = [row(p, Math.min(p.n - 1, Math.floor(rng() * p.n)))];
  const nearest = new Float64Array(p.n);
  let total = 0;
  for (let i = 0; i < p.n; i++) total += nearest[i] = dist2(p, i, centres[0] as Float64Array);
  while (centres.length < k) {
    const c = row(p, draw(nearest, total, rng));
    centres.push(c);
    total = 0;
    for (let i = 0; i < p.n; i++) {
      const d = dist2(p, i, c);
      if (d < (nearest[i] as number)) nearest[i] = d;
      total += nearest[i] as number;
    }
  }
  return centres;
}

/** Nearest centre of every point (ties: the lower index); returns the inertia. */
function assign(p: Points, centres: readonly Float64Array[], labels: Int32Array, distances: Float64Array): number {
  let inertia = 0;
  for (let i = 0; i < p.n; i++) {
    let best = 0;
    let bestD = Infinity;
    for (let c = 0; c < centres.length; c++) {
      const d = dist2(p, i, centres[c] as Float64Array);
      if (d < bestD) {
        bestD = d;
        best = c;
      }
    }
    labels[i] = best;
    distances[i] = bestD;
    inertia += bestD;
  }
  return inertia;
}

function lloyd(p: Points, initial: Float64Array[], maxIter: number, tol: number): KMeansResult {
  const k = initial.length;
  let centres = initial;
  const labels = new Int32Array(p.n).fill(-1);
  const next = new Int32Array(p.n);
  const distances = new Float64Array(p.n);
  let iterations = 0;
  let inertia = assign(p, centres, labels, distances);
  while (iterations < maxIter) {
    iterations++;
    // Means of the clusters; an empty cluster takes the point farthest from its centre.
    const sums = Array.from({ length: k }, () => new Float64Array(p.d));
    const counts = new Float64Array(k);
    for (let i = 0; i < p.n; i++) {
      const c = labels[i] as number;
      const s = sums[c] as Float64Array;
      counts[c] = (counts[c] as number) + 1;
      for (let j = 0; j < p.d; j++) s[j] = (s[j] as number) + (p.data[i * p.d + j] as number);
    }
    const moved: Float64Array[] = [];
    for (let c = 0; c < k; c++) {
      const n = counts[c] as number;
      if (n > 0) moved.push((sums[c] as Float64Array).map((v) => v / n));
      else {
        let far = 0;
        for (let i = 1; i < p.n; i++) if ((distances[i] as number) > (distances[far] as number)) far = i;
        distances[far] = 0;
        moved.push(row(p, far));
      }
    }
    let shift = 0;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < p.d; j++)
        s += (((moved[c] as Float64Array)[j] as number) - ((centres[c] as Float64Array)[j] as number)) ** 2;
      shift = Math.max(shift, s);
    }
    centres = moved;
    inertia = assign(p, centres, next, distances);
    let changed = false;
    for (let i = 0; i < p.n; i++) {
      if (next[i] !== labels[i]) {
        changed = true;
        labels[i] = next[i] as number;
      }
    }
    if (!changed || shift <= tol) break;
  }
  return { centres, inertia, labels, iterations };
}

export function kMeans(p: Points, options: KMeansOptions): KMeansResult {
  const { k } = options;
  if (!(Number.isInteger(k) && k >= 1))
    throw trainerError(TrainerErrorCodes.MODEL_PARAM_INVALID, `k-means needs an integer k ≥ 1, got ${k}`, {
      param: 'k',
      value: k,
    });
  if (p.n === 0 || p.d === 0)
    throw trainerError(
      TrainerErrorCodes.DATA_TOO_SMALL,
      'k-means needs at least one point with at least one coordinate',
      { rows: p.n },
    );
  const rng = mulberry32(options.seed);
  const restarts = Math.max(1, options.restarts ?? 4);
  let best: KMeansResult | undefined;
  for (let r = 0; r < restarts; r++) {
    const run = lloyd(p, seedCentres(p, k, rng), options.maxIter ?? 300, options.tol ?? 0);
    if (!best || run.inertia < best.inertia) best = run;
  }
  return best as KMeansResult;
}
