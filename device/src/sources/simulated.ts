import {
  CliErrorCodes,
  OutpostError,
  mulberry32,
  normal,
  systemClock,
  type Clock,
  type FeatureValue,
  type Rng,
} from '@outpost/protocol';
import { FaultInjector, type ScheduledFault } from './faults.ts';
import { Pacer } from './pacer.ts';
import type { SensorSource } from './sensor-source.ts';

/** How one simulated feature is drawn when there is no recorded base to replay. */
export type FeatureModel =
  { kind: 'normal'; mean: number; sd: number } | { kind: 'categorical'; categories: readonly string[] };

export interface SimulatedSourceOptions {
  /** Rows to replay (e.g. a CSV's), cycled; or, without them, features drawn from `features`. */
  base?: readonly Record<string, FeatureValue>[];
  features?: Record<string, FeatureModel>;
  faults?: readonly ScheduledFault[];
  /** Same seed, same rows (noise, dropout and spikes included). Default 1. */
  seed?: number;
  /** Rows per second, paced with the clock; unlimited when absent. */
  rate?: number;
  /** Stop after this many rows; endless when absent. */
  limit?: number;
  clock?: Clock;
}

/**
 * A simulated sensor (docs/DEVICE.md "Simulated sensors"): recorded rows cycled, or features drawn
 * from simple distributions, with faults injected on a schedule — shift, scale, noise, a stuck
 * sensor, dropout, spikes, a new category. Seeded, so a scenario repeats exactly.
 */
export class SimulatedSource implements SensorSource {
  private closed = false;
  private readonly pacer: Pacer;

  constructor(private readonly o: SimulatedSourceOptions) {
    if ((!o.base || o.base.length === 0) && (!o.features || Object.keys(o.features).length === 0))
      throw new OutpostError(CliErrorCodes.CLI_ARGS, 'a simulated source needs base rows or feature models');
    this.pacer = new Pacer(o.clock ?? systemClock);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.pacer.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Record<string, FeatureValue>> {
    const rng = mulberry32(this.o.seed ?? 1);
    const faults = new FaultInjector(this.o.faults ?? [], rng);
    const interval = this.o.rate && this.o.rate > 0 ? 1000 / this.o.rate : 0;
    for (let i = 0; this.o.limit === undefined || i < this.o.limit; i++) {
      if (this.closed) return;
      if (interval > 0 && i > 0) await this.pacer.sleep(interval);
      if (this.closed) return;
      yield faults.apply(this.row(i, rng), i);
    }
  }

  private row(i: number, rng: Rng): Record<string, FeatureValue> {
    const base = this.o.base;
    if (base && base.length > 0) return { ...(base[i % base.length] as Record<string, FeatureValue>) };
    const row: Record<string, FeatureValue> = {};
    for (const [name, m] of Object.entries(this.o.features ?? {})) {
      if (m.kind === 'normal') row[name] = m.mean + m.sd * normal(rng);
      else row[name] = m.categories[Math.floor(rng() * m.categories.length)] ?? null;
    }
    return row;
  }
}
