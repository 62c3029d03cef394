import { LATENCY_BOUNDS_MS, type TelemetryWindow } from '@outpost/protocol';
import type { FleetStore } from '../store/fleet-store.ts';

/** How many of a device's latest windows its health figures come from. */
export const HEALTH_WINDOWS = 20;

export interface Health {
  windows: number;
  rows: number;
  /** Upper bound of the latency bucket holding the median / 95th percentile (ms); null without rows. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** The share of the rows asked for that failed: errors / (rows served + errors); null without either. */
  errorRate: number | null;
}

/** The figures of one window a device's health is made of. */
export interface HealthWindow {
  rows: number;
  errors: number;
  latencyCounts: readonly number[];
}

/**
 * Reads a device's health (docs/ARCHITECTURE.md "Inventory"): the figures of its latest
 * `HEALTH_WINDOWS` telemetry windows of a model (highest seq first). Implementations:
 * `sqliteHealthReader` (a bounded query on fleet.db's primary key) and `memoryHealthReader`
 * (any store, reading every window); one contract suite holds both to `healthOf`.
 */
export interface HealthReader {
  health(device: string, model: string): Health;
}

function percentileBound(counts: number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let acc = 0;
  for (let i = 0; i < counts.length; i++) {
    acc += counts[i] ?? 0;
    if (acc >= q * total) return LATENCY_BOUNDS_MS[i] ?? Infinity;
  }
  return null;
}

/** Health from the figures of some windows (all of them count). */
export function healthFrom(windows: readonly HealthWindow[]): Health {
  const counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  let rows = 0;
  let errors = 0;
  for (const w of windows) {
    rows += w.rows;
    errors += w.errors;
    w.latencyCounts.forEach((c, i) => (counts[i] = (counts[i] ?? 0) + c));
  }
  return {
    windows: windows.length,
    rows,
    latencyP50Ms: percentileBound(counts, 0.5),
    latencyP95Ms: percentileBound(counts, 0.95),
    errorRate: rows + errors === 0 ? null : errors / (rows + errors),
  };
}

/** Health of a device's windows in seq order: the last `HEALTH_WINDOWS` of them. */
export function healthOf(windows: readonly TelemetryWindow[]): Health {
  return healthFrom(
    windows.slice(-HEALTH_WINDOWS).map((w) => ({ rows: w.rows, errors: w.errors, latencyCounts: w.latency.counts })),
  );
}

/** The reader of any store: every window of (device, model), then `healthOf`. */
export function memoryHealthReader(store: Pick<FleetStore, 'telemetryWindows'>): HealthReader {
  return { health: (device, model) => healthOf(store.telemetryWindows({ model, device })) };
}
