import type { FeatureValue } from '@outpost/protocol';

/**
 * Where a device's rows come from (CONVENTIONS.md "Contracts apart from implementations"): CSV
 * replay today; johnny-five sensors and simulations implement the same contract.
 */
export interface SensorSource extends AsyncIterable<Record<string, FeatureValue>> {
  /** Stops the source; a pending iteration ends. */
  close(): Promise<void>;
}
