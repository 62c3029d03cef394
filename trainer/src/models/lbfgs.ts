/**
 * Limited-memory BFGS for smooth unconstrained minimisation (Nocedal & Wright, Algorithms 7.4,
 * 3.5 and 3.6): two-loop recursion for the direction, a strong-Wolfe line search with cubic
 * interpolation for the step. Deterministic: no randomness, fixed evaluation order.
 */

export type Objective = (x: Float64Array) => number;
/** Writes ∇f(x) into `out`. */
export type Gradient = (x: Float64Array, out: Float64Array) => void;

export interface LbfgsOptions {
  /** Iterations (direction updates); default 100. */
  maxIter?: number;
  /** Stop when max |∇f| ≤ tol; default 1e-5. */
  tol?: number;
  /** Stop when the relative decrease of f in one iteration is ≤ ftol; default 1e-15. */
  ftol?: number;
  /** Correction pairs kept; default 10. */
  memory?: number;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  /** max |∇f(x)| at the returned x. */
  gradNorm: number;
  iterations: number;
  converged: boolean;
}

const C1 = 1e-4;
const C2 = 0.9;

export function lbfgs(f: Objective, grad: Gradient, x0: Float64Array, opts: LbfgsOptions = {}): LbfgsResult {
  const n = x0.length;
  const maxIter = opts.maxIter ?? 100;
  const tol = opts.tol ?? 1e-5;
  const ftol = opts.ftol ?? 1e-15;
  const m = Math.max(1, opts.memory ?? 10);
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  let fx = f(x);
  grad(x, g);
  const s = Array.from({ length: m }, () => new Float64Array(n));
  const yv = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alphas = new Float64Array(m);
  const d = new Float64Array(n);
  const xt = new Float64Array(n);
  const gt = new Float64Array(n);
  let pairs = 0;
  let head = 0; // next slot to write
  let iter = 0;
  let gNorm = maxAbs(g);
  while (gNorm > tol && iter < maxIter) {
    iter++;
    twoLoop(g, s, yv, rho, alphas, pairs, head, m, d);
    let dg = dot(d, g);
    if (!(dg < 0)) {
      // Not a descent direction (curvature information went stale): restart from steepest descent.
      pairs = 0;
      for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
      dg = dot(d, g);
    }
    const a0 = pairs === 0 ? Math.min(1, 1 / Math.sqrt(-dg)) : 1;
    const ls = wolfeSearch(f, grad, x, fx, d, dg, a0, xt, gt);
    if (ls === null) break; // no step decreases f: as good as this precision allows
    const fPrev = fx;
    let sy = 0;
    let ss = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      const si = (xt[i] as number) - (x[i] as number);
      const yi = (gt[i] as number) - (g[i] as number);
      sy += si * yi;
      ss += si * si;
      yy += yi * yi;
    }
    // Keep the pair only with positive curvature, so the implicit Hessian stays positive definite.
    if (sy > 1e-12 * Math.sqrt(ss * yy)) {
      const slot = s[head] as Float64Array;
      const yslot = yv[head] as Float64Array;
      for (let i = 0; i < n; i++) {
        slot[i] = (xt[i] as number) - (x[i] as number);
        yslot[i] = (gt[i] as number) - (g[i] as number);
      }
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      pairs = Math.min(pairs + 1, m);
    }
    x.set(xt);
    g.set(gt);
    fx = ls;
    gNorm = maxAbs(g);
    if (fPrev - fx <= ftol * Math.max(Math.abs(fPrev), Math.abs(fx), 1)) break;
  }
  return { x, f: fx, gradNorm: gNorm, iterations: iter, converged: gNorm <= tol };
}

/** d = −H·g from the stored pairs, newest first (circular buffer ending before `head`). */
function twoLoop(
  g: Float64Array,
  s: Float64Array[],
  y: Float64Array[],
  rho: Float64Array,
  alphas: Float64Array,
  pairs: number,
  head: number,
  m: number,
  d: Float64Array,
): void {
  const n = g.length;
  for (let i = 0; i < n; i++) d[i] = -(g[i] as number);
  if (pairs === 0) return;
  for (let k = 0; k < pairs; k++) {
    const j = (head - 1 - k + m) % m;
    const a = (rho[j] as number) * dot(s[j] as Float64Array, d);
    alphas[j] = a;
    axpy(-a, y[j] as Float64Array, d);
  }
  const newest = (head - 1 + m) % m;
  const yy = dot(y[newest] as Float64Array, y[newest] as Float64Array);
  const gamma = 1 / ((rho[newest] as number) * yy);
  for (let i = 0; i < n; i++) d[i] = (d[i] as number) * gamma;
  for (let k = pairs - 1; k >= 0; k--) {
    const j = (head - 1 - k + m) % m;
    const b = (rho[j] as number) * dot(y[j] as Float64Array, d);
    axpy((alphas[j] as number) - b, s[j] as Float64Array, d);
  }
}

/**
 * Finds a step satisfying the strong Wolfe conditions along `d`; leaves x + step·d in `xt`, its
 * gradient in `gt` and returns f there, or null when no decreasing step was found.
 */
function wolfeSearch(
  f: Objective,
  grad: Gradient,
  x: Float64Array,
  f0: number,
  d: Float64Array,
  dg0: number,
  a0: number,
  xt: Float64Array,
  gt: Float64Array,
): number | null {
  let evaluatedAt = NaN;
  const phi = (a: number): [number, number] => {
    for (let i = 0; i < x.length; i++) xt[i] = (x[i] as number) + a * (d[i] as number);
    const fa = f(xt);
    grad(xt, gt);
    evaluatedAt = a;
    return [fa, dot(gt, d)];
  };
  const finish = (a: number, fa: number): number | null => {
    if (!(a > 0) || !(fa < f0)) return null;
    if (evaluatedAt !== a) phi(a);
    return fa;
  };
  const zoom = (lo: number, flo: number, dlo: number, hi: number, fhi: number, dhi: number): number | null => {
    for (let j = 0; j < 40; j++) {
      const a = interpolate(lo, flo, dlo, hi, fhi, dhi);
      const [fa, da] = phi(a);
      if (fa > f0 + C1 * a * dg0 || fa >= flo) {
        hi = a;
        fhi = fa;
        dhi = da;
      } else {
        if (Math.abs(da) <= -C2 * dg0) return fa;
        if (da * (hi - lo) >= 0) {
          hi = lo;
          fhi = flo;
          dhi = dlo;
        }
        lo = a;
        flo = fa;
        dlo = da;
      }
      if (Math.abs(hi - lo) <= 1e-16 * Math.max(1, Math.abs(lo))) break;
    }
    return finish(lo, flo);
  };
  let aPrev = 0;
  let fPrev = f0;
  let dPrev = dg0;
  let a = a0;
  for (let i = 0; i < 30; i++) {
    const [fa, da] = phi(a);
    if (!Number.isFinite(fa) || fa > f0 + C1 * a * dg0 || (i > 0 && fa >= fPrev))
      return zoom(aPrev, fPrev, dPrev, a, Number.isFinite(fa) ? fa : Infinity, da);
    if (Math.abs(da) <= -C2 * dg0) return fa;
    if (da >= 0) return zoom(a, fa, da, aPrev, fPrev, dPrev);
    aPrev = a;
    fPrev = fa;
    dPrev = da;
    a *= 2;
  }
  return finish(aPrev, fPrev);
}

/** Minimiser of the cubic through both end points, kept inside the middle 80% (else bisection). */
function interpolate(a1: number, f1: number, d1: number, a2: number, f2: number, d2: number): number {
  const lo = Math.min(a1, a2);
  const hi = Math.max(a1, a2);
  const w = hi - lo;
  let a = NaN;
  if (Number.isFinite(f1) && Number.isFinite(f2) && Number.isFinite(d1) && Number.isFinite(d2)) {
    const t1 = d1 + d2 - (3 * (f1 - f2)) / (a1 - a2);
    const disc = t1 * t1 - d1 * d2;
    if (disc >= 0) {
      const t2 = Math.sign(a2 - a1) * Math.sqrt(disc);
      a = a2 - ((a2 - a1) * (d2 + t2 - t1)) / (d2 - d1 + 2 * t2);
    }
  }
  if (!(a >= lo + 0.1 * w && a <= hi - 0.1 * w)) a = lo + 0.5 * w;
  return a;
}

/**
 * Wraps a combined value-and-gradient function as the (f, grad) pair `lbfgs` takes, evaluating
 * once per distinct x (the line search asks for both at the same point).
 */
export function sharedEvaluation(
  fg: (x: Float64Array, gradOut: Float64Array) => number,
  n: number,
): { f: Objective; grad: Gradient } {
  const lastX = new Float64Array(n).fill(NaN);
  const lastG = new Float64Array(n);
  let lastF = NaN;
  const ensure = (x: Float64Array): void => {
    let same = true;
    for (let i = 0; i < n; i++)
      if (x[i] !== lastX[i]) {
        same = false;
        break;
      }
    if (same) return;
    lastF = fg(x, lastG);
    lastX.set(x);
  };
  return {
    f: (x) => {
      ensure(x);
      return lastF;
    },
    grad: (x, out) => {
      ensure(x);
      out.set(lastG);
    },
  };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function axpy(a: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) + a * (x[i] as number);
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] as number));
  return m;
}
