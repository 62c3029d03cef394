import type { FleetStore } from '../store/fleet-store.ts';
import type { Campaign, GateResult, SkippedDevice, WaveState } from './campaign.ts';
import { waveOutcomes, type WaveDeviceState } from './gates.ts';

export interface CampaignStatus {
  id: string;
  model: string;
  version: number;
  state: Campaign['state'];
  reason?: string;
  current: number;
  onFail: Campaign['onFail'];
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  waves: {
    index: number;
    state: WaveState;
    startedAt?: string;
    soakStartedAt?: string;
    endedAt?: string;
    gates?: GateResult[];
    /** Each device's outcome; `waiting` before its wave starts. */
    devices: {
      device: string;
      gateway: string;
      state: WaveDeviceState | 'waiting';
      running?: string;
      error?: string;
    }[];
  }[];
  skipped: SkippedDevice[];
}

/** A campaign with the outcome of each device of each started wave, read from the fleet's reports. */
export function campaignStatus(
  store: Pick<FleetStore, 'getDesired' | 'listReported' | 'lastSeen' | 'telemetryWindows'>,
  c: Campaign,
  nowMs: number,
  offlineAfterMs: number,
): CampaignStatus {
  return {
    id: c.id,
    model: c.model,
    version: c.version,
    state: c.state,
    ...(c.reason !== undefined ? { reason: c.reason } : {}),
    current: c.current,
    onFail: c.onFail,
    createdBy: c.createdBy,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
    waves: c.waves.map((w) => {
      const outcomes =
        w.state === 'pending'
          ? w.devices.map((d) => ({ device: d.device, gateway: d.gateway, state: 'waiting' as const }))
          : waveOutcomes(store, w, nowMs, offlineAfterMs);
      return {
        index: w.index,
        state: w.state,
        ...(w.startedAt ? { startedAt: w.startedAt } : {}),
        ...(w.soakStartedAt ? { soakStartedAt: w.soakStartedAt } : {}),
        ...(w.endedAt ? { endedAt: w.endedAt } : {}),
        ...(w.gates ? { gates: w.gates } : {}),
        devices: outcomes.map((o) => ({
          device: o.device,
          gateway: o.gateway,
          state: o.state,
          ...('running' in o && o.running ? { running: `${o.running.name} v${o.running.version}` } : {}),
          ...('error' in o && o.error ? { error: o.error.code } : {}),
        })),
      };
    }),
    skipped: c.skipped,
  };
}
