import type { ScaleConfig, SmoothingConfig } from './board-config.ts';

/** A raw reading scaled into the feature's units (linear: `from` → `to`, or factor and offset). */
export function scaleReading(raw: number, scale: ScaleConfig | undefined): number {
  if (!scale) return raw;
  if (scale.from && scale.to) {
    const [a, b] = scale.from;
    const [c, d] = scale.to;
    return c + ((raw - a) * (d - c)) / (b - a);
  }
  return raw * (scale.factor ?? 1) + (scale.offset ?? 0);
}

/**
 * One sensor's smoothing over the samples taken at each row (docs/DEVICE.md "Attaching a sensor"):
 * a moving mean or median over the last `window` samples, or an exponentially weighted mean.
 * Without a method, the latest sample.
 */
export class Smoother {
  private readonly recent: number[] = [];
  private ewma: number | undefined;

  constructor(private readonly method: SmoothingConfig | undefined) {}

  push(value: number): number {
    const m = this.method;
    if (!m) return value;
    if (m.method === 'ewma') {
      this.ewma = this.ewma === undefined ? value : m.alpha * value + (1 - m.alpha) * this.ewma;
      return this.ewma;
    }
    this.recent.push(value);
    if (this.recent.length > m.window) this.recent.shift();
    if (m.method === 'mean') return this.recent.reduce((s, v) => s + v, 0) / this.recent.length;
    const sorted = [...this.recent].sort((x, y) => x - y);
    const mid = sorted.length >> 1;
    return sorted.length % 2 === 1
      ? (sorted[mid] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  }
}
