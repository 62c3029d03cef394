/**
 * Telemetry windows of a registered model, made from its manifest's reference (docs/MONITORING.md):
 * each numeric feature's bins follow the reference frequencies, with the per-window min / max the
 * quality checks read, unless the window is past a drift start (the feature's rows move to its
 * top bins) or a stuck start for that device (every row in one bin, min = max). Used by the
 * dashboard's browser test and bench/dashboard-render.ts to fill a fleet.db.
 */
import { LATENCY_BOUNDS_MS, type Manifest, type TelemetryWindow } from '@outpost/protocol';

export interface SyntheticWindowsOptions {
  manifest: Manifest;
  artifactId: string;
  devices: readonly string[];
  /** The site each device is relayed by. */
  gatewayOf: (device: string) => string;
  /** Start of the first window (ms) and how many windows each device sends, `everyMs` apart. */
  from: number;
  windows: number;
  everyMs: number;
  rows: number;
  /** From this time on, `feature` of every device drifts to its top bins. */
  drift?: { feature: string; fromMs: number };
  /** From this time on, `feature` of `device` is stuck on one value. */
  stuck?: { device: string; feature: string; fromMs: number };
}

/** `n` rows spread over bins in proportion to `freqs`, the rounding left over in the largest bin. */
export function spread(freqs: readonly number[], n: number): number[] {
  const out = freqs.map((f) => Math.floor(f * n));
  let top = 0;
  freqs.forEach((f, i) => (f > (freqs[top] as number) ? (top = i) : undefined));
  out[top] = (out[top] as number) + n - out.reduce((a, b) => a + b, 0);
  return out;
}

/** Every device's windows, oldest first, as `fleet.store.insertTelemetry` takes them. */
export function syntheticWindows(o: SyntheticWindowsOptions): TelemetryWindow[] {
  const ref = o.manifest.reference;
  const out: TelemetryWindow[] = [];
  for (let k = 0; k < o.windows; k++) {
    const start = o.from + k * o.everyMs;
    for (const device of o.devices) {
      const features: TelemetryWindow['features'] = {};
      for (const [name, r] of Object.entries(ref.features)) {
        if (r.kind === 'categorical') {
          features[name] = { kind: 'categorical', counts: spread(r.freqs, o.rows), missing: 0, unseen: 0 };
          continue;
        }
        const e = r.edges;
        const lo = e[0] ?? 0;
        const hi = e.at(-1) ?? 1;
        let bins = spread(r.freqs, o.rows);
        let min = lo - Math.abs(hi - lo) * 0.05;
        let max = hi + Math.abs(hi - lo) * 0.05;
        if (o.drift && o.drift.feature === name && start >= o.drift.fromMs) {
          bins = r.freqs.map(() => 0);
          bins[bins.length - 1] = Math.round(o.rows * 0.7);
          bins[bins.length - 2] = o.rows - Math.round(o.rows * 0.7);
          min = e.at(-2) ?? lo;
        }
        if (o.stuck && o.stuck.device === device && o.stuck.feature === name && start >= o.stuck.fromMs) {
          const mid = Math.floor(e.length / 2);
          bins = r.freqs.map((_f, i) => (i === mid + 1 ? o.rows : 0));
          min = max = ((e[mid] as number) + (e[mid + 1] ?? (e[mid] as number))) / 2;
        }
        features[name] = { kind: 'numeric', bins, missing: 0, outOfRange: 0, min, max };
      }
      const latency = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
      latency[1] = o.rows;
      out.push({
        device,
        gateway: o.gatewayOf(device),
        seq: k,
        model: o.manifest.name,
        version: o.manifest.version,
        artifactId: o.artifactId,
        windowStart: new Date(start).toISOString(),
        windowEnd: new Date(start + o.everyMs).toISOString(),
        rows: o.rows,
        features,
        predictions: { bins: spread(ref.prediction.freqs, o.rows), min: 0, max: 1, sum: o.rows * 0.2 },
        latency: { counts: latency, maxMs: 1 },
        errors: 0,
      });
    }
  }
  return out;
}
