import type { FeatureValue } from '@outpost/protocol';

/**
 * Where a device's rows come from (a contract apart from its implementations, docs/ARCHITECTURE.md "Tiers and packages"): CSV
 * replay, simulations (simulated.ts) and sensors on a board through johnny-five (board-source.ts).
 */
export interface SensorSource extends AsyncIterable<Record<string, FeatureValue>> {
  /** Stops the source; a pending iteration ends. */
  close(): Promise<void>;
}
