import { assignmentFor, type DesiredState, type ReportedState } from '@outpost/protocol';
import type { FleetStore } from '../store/fleet-store.ts';

/**
 * A device silent this long is offline (docs/OPERATIONS.md "Offline devices"): three missed
 * heartbeats of a device's reported state (every 60 s by default), telemetry windows count too.
 */
export const DEFAULT_OFFLINE_AFTER_MS = 180_000;

export type DeviceOutcomeState = 'converged' | 'updating' | 'failed' | 'offline';

export interface DeviceOutcome {
  device: string;
  gateway: string;
  state: DeviceOutcomeState;
  /** What the device should run. */
  expected: { name: string; version: number; artifactId: string };
  /** What it last reported active. */
  running?: { name: string; version: number };
  error?: { code: string; message: string };
  /** Fleet-clock time it was last heard from. */
  lastSeen?: string;
}

/** The devices the fleet knows at a gateway: those whose relayed reports name it, and those its own report lists. */
export function devicesOf(store: Pick<FleetStore, 'listReported'>, gatewayId: string): string[] {
  const ids = new Set<string>();
  for (const r of store.listReported()) {
    if (r.kind === 'device' && r.gateway === gatewayId) ids.add(r.source);
    if (r.kind === 'gateway' && r.source === gatewayId) for (const d of r.devices ?? []) ids.add(d);
  }
  return [...ids].sort();
}

/** The gateway a device last reported through. */
export function gatewayOf(store: Pick<FleetStore, 'listReported'>, deviceId: string): string | undefined {
  const reports = store.listReported();
  const own = reports.find((r) => r.kind === 'device' && r.source === deviceId)?.gateway;
  return own ?? reports.find((r) => r.kind === 'gateway' && r.devices?.includes(deviceId))?.source;
}

export function isOnline(lastSeen: string | undefined, nowMs: number, offlineAfterMs: number): boolean {
  return lastSeen !== undefined && nowMs - Date.parse(lastSeen) <= offlineAfterMs;
}

/**
 * Where one device stands against a gateway's desired state. "converged" means it reported the
 * assigned artifact active and its status converged for this revision or a later one; "failed"
 * that it refused this revision (the reason is its error); "offline" that it has been silent
 * longer than `offlineAfterMs` (an offline device never counts as converged).
 */
export function deviceOutcome(
  desired: DesiredState,
  deviceId: string,
  report: ReportedState | undefined,
  lastSeen: string | undefined,
  nowMs: number,
  offlineAfterMs: number,
): DeviceOutcome | undefined {
  const a = assignmentFor(desired, deviceId);
  if (!a) return undefined;
  const expected = { name: a.name, version: a.version, artifactId: a.artifactId };
  const active = report?.models.find((m) => m.state === 'active');
  const base: DeviceOutcome = {
    device: deviceId,
    gateway: desired.target,
    state: 'updating',
    expected,
    ...(active ? { running: { name: active.name, version: active.version } } : {}),
    ...(lastSeen !== undefined ? { lastSeen } : {}),
  };
  if (!report || report.status === 'offline' || !isOnline(lastSeen, nowMs, offlineAfterMs)) {
    return { ...base, state: 'offline' };
  }
  if (report.revision >= desired.revision && report.status === 'converged' && active?.artifactId === a.artifactId) {
    return { ...base, state: 'converged' };
  }
  if (report.revision === desired.revision && report.status === 'failed') {
    const failed = report.models.find((m) => m.state === 'failed');
    return { ...base, state: 'failed', ...(failed?.error ? { error: failed.error } : {}) };
  }
  return base;
}

/** Outcomes of `devices` of the desired state's gateway, from the fleet's stored reports. */
export function outcomes(
  store: Pick<FleetStore, 'listReported' | 'lastSeen'>,
  desired: DesiredState,
  devices: readonly string[],
  nowMs: number,
  offlineAfterMs: number,
): DeviceOutcome[] {
  const reports = new Map(store.listReported().map((r) => [r.source, r]));
  const seen = store.lastSeen();
  const out: DeviceOutcome[] = [];
  for (const d of devices) {
    const o = deviceOutcome(desired, d, reports.get(d), seen.get(d), nowMs, offlineAfterMs);
    if (o) out.push(o);
  }
  return out;
}

/** Finished: every device converged, failed or offline. */
export function settled(list: readonly DeviceOutcome[]): boolean {
  return list.every((o) => o.state !== 'updating');
}
