import { LATENCY_BOUNDS_MS, type ShadowStats } from '@outpost/protocol';

/** The candidate a shadow comparison is about. */
export interface ShadowModelRef {
  name: string;
  version: number;
  artifactId: string;
  /** Classification compares classes (agreement); regression the difference candidate − active. */
  classification: boolean;
}

/**
 * A shadow candidate's comparison with the active model over one telemetry window (docs/DEVICE.md
 * "Shadow mode"): agreement for a classifier, the distribution of candidate − active for a
 * regressor, and the candidate's latency in the window's latency buckets.
 */
export class ShadowWindowAccumulator {
  rows = 0;
  errors = 0;
  private agree = 0;
  private readonly absDiffs: number[] = [];
  private diffSum = 0;
  private readonly latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  private latencyMax = 0;

  constructor(readonly model: ShadowModelRef) {}

  /** One row both models scored; `latencyMs` is the row's share of the candidate's batch latency. */
  add(active: number, candidate: number, latencyMs: number): void {
    if (!Number.isFinite(active) || !Number.isFinite(candidate)) {
      this.errors++;
      return;
    }
    this.rows++;
    if (this.model.classification) {
      if (active === candidate) this.agree++;
    } else {
      const d = candidate - active;
      this.diffSum += d;
      this.absDiffs.push(Math.abs(d));
    }
    const v = Math.max(0, latencyMs);
    let i = 0;
    while (i < LATENCY_BOUNDS_MS.length && v > (LATENCY_BOUNDS_MS[i] as number)) i++;
    (this.latency[i] as number)++;
    if (v > this.latencyMax) this.latencyMax = v;
  }

  toStats(): ShadowStats {
    const { name, version, artifactId, classification } = this.model;
    const stats: ShadowStats = {
      model: name,
      version,
      artifactId,
      rows: this.rows,
      errors: this.errors,
      latency: { counts: [...this.latency], maxMs: this.latencyMax },
    };
    if (this.rows === 0) return stats;
    if (classification) return { ...stats, agreement: this.agree / this.rows };
    const sorted = [...this.absDiffs].sort((a, b) => a - b);
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
    return {
      ...stats,
      difference: {
        mean: this.diffSum / this.rows,
        meanAbs: sorted.reduce((s, v) => s + v, 0) / this.rows,
        p50Abs: at(0.5),
        p90Abs: at(0.9),
        maxAbs: sorted[sorted.length - 1] as number,
      },
    };
  }
}
