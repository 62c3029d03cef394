/**
 * Monitoring scenarios of `outpost sim` (docs/MONITORING.md "Scenarios"): what changes, on which
 * simulated devices, so the fleet's monitoring has something to find.
 * - stuck-co2: one device's CO2 sensor repeats one value → a data-quality finding and alert naming
 *   the device and CO2;
 * - drift: every device's Light reads 1.5 × → Light's PSI goes over the major threshold, a drift alert;
 * - concept-drift: inputs stay in distribution, but the labels of the first gateway's devices are
 *   the other class than the rule the model learnt → performance leaves its band, no drift alert;
 * - train-station: every device replays real housing rows (station.ts); one district is drawn more
 *   often (input drift) and its prices rise, labels arriving only a while later → a drift alert
 *   first, then a performance alert; the labelled rows retrain the model.
 */
import type { Rng } from '@outpost/protocol';
import type { ScheduledFault } from '@outpost/device';
import { STATION_LABELS_AFTER_MS } from './station.ts';

export const SIM_SCENARIOS = ['stuck-co2', 'drift', 'concept-drift', 'train-station'] as const;
export type SimScenario = (typeof SIM_SCENARIOS)[number];

export interface ScenarioPlan {
  /** The devices it changes. */
  devices: Set<string>;
  /** Sensor faults on those devices (rows counted from the scenario's start). */
  faults: readonly ScheduledFault[];
  /** Those devices' labels are the other class. */
  flipLabels: boolean;
  /** Labels every device sends per window (performance needs them). */
  labelsPerWindow: number;
  /** Labels only for windows ending this long after the scenario's start (absent: labels all along). */
  labelsAfterMs?: number;
  /** Rows replay a labelled table (station.ts) instead of the reference profile. */
  replay?: 'station';
}

/** Light × 1.5 takes the share above 500 lx from 10 % to 35 % (and empties the middle): PSI ≈ 0.5, twice "major". */
export const DRIFT_LIGHT_FACTOR = 1.5;

export function scenarioPlan(
  scenario: SimScenario,
  fleet: { deviceIds: readonly string[]; firstGateway: readonly string[]; random: Rng },
): ScenarioPlan {
  switch (scenario) {
    case 'stuck-co2': {
      const one = fleet.deviceIds[Math.floor(fleet.random() * fleet.deviceIds.length)] as string;
      return {
        devices: new Set([one]),
        faults: [{ fault: { kind: 'stuck', feature: 'CO2' }, from: 0 }],
        flipLabels: false,
        labelsPerWindow: 0,
      };
    }
    case 'drift':
      return {
        devices: new Set(fleet.deviceIds),
        faults: [{ fault: { kind: 'scale', feature: 'Light', factor: DRIFT_LIGHT_FACTOR }, from: 0 }],
        flipLabels: false,
        labelsPerWindow: 0,
      };
    case 'concept-drift':
      return { devices: new Set(fleet.firstGateway), faults: [], flipLabels: true, labelsPerWindow: 5 };
    case 'train-station':
      return {
        devices: new Set(fleet.deviceIds),
        faults: [],
        flipLabels: false,
        labelsPerWindow: 5,
        labelsAfterMs: STATION_LABELS_AFTER_MS,
        replay: 'station',
      };
  }
}
