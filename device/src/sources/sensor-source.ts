import type { FeatureValue } from '@outpost/protocol';

/**
 * Where a device's rows come from (a contract apart from its implementations, docs/ARCHITECTURE.md "Tiers and packages"): CSV
 * replay today; johnny-five sensors and simulations implement the same contract.
 */
export interface SensorSource extends AsyncIterable<Record<string, FeatureValue>> {
  /** Stops the source; a pending iteration ends. */
  close(): Promise<void>;
}
