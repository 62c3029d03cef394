import { LATENCY_BOUNDS_MS, assignmentFor, type ReportedState, type TelemetryWindow } from '@outpost/protocol';
import { DEFAULT_OFFLINE_AFTER_MS, deviceOutcome, devicesOf, isOnline } from '../intent/outcome.ts';
import type { FleetStore } from '../store/fleet-store.ts';

/** How many of a device's latest windows its health figures come from. */
export const HEALTH_WINDOWS = 20;

export interface Health {
  windows: number;
  rows: number;
  /** Upper bound of the latency bucket holding the median / 95th percentile (ms); null without rows. */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  /** Prediction errors per row. */
  errorRate: number | null;
}

export interface DeviceEntry {
  id: string;
  gateway: string | null;
  /** converged / updating / failed against its gateway's desired state, or offline; `unassigned` without one. */
  state: 'converged' | 'updating' | 'failed' | 'offline' | 'unassigned';
  online: boolean;
  lastSeen: string | null;
  active: { name: string; version: number; artifactId: string } | null;
  assigned: { name: string; version: number; rollback: boolean; override: boolean } | null;
  reportedStatus: ReportedState['status'] | null;
  revision: number;
  lastError: { code: string; message: string } | null;
  health: Health;
}

export interface GatewayEntry {
  id: string;
  status: ReportedState['status'] | 'unknown';
  online: boolean;
  lastSeen: string | null;
  desiredRevision: number | null;
  reportedRevision: number | null;
  devices: string[];
  assignments: { name: string; version: number; devices?: string[]; rollback?: boolean }[];
}

export interface ModelEntry {
  name: string;
  version: number;
  parentVersion: number | null;
  artifactId: string;
  registeredAt: string;
  withdrawnAt: string | null;
  metrics: Record<string, number>;
  /** Gateways whose desired state assigns it. */
  assignedAt: string[];
  /** Devices that report it active. */
  runningOn: string[];
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

export function healthOf(windows: readonly TelemetryWindow[]): Health {
  const recent = windows.slice(-HEALTH_WINDOWS);
  const counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
  let rows = 0;
  let errors = 0;
  for (const w of recent) {
    rows += w.rows;
    errors += w.errors;
    w.latency.counts.forEach((c, i) => (counts[i] = (counts[i] ?? 0) + c));
  }
  return {
    windows: recent.length,
    rows,
    latencyP50Ms: percentileBound(counts, 0.5),
    latencyP95Ms: percentileBound(counts, 0.95),
    errorRate: rows === 0 ? null : errors / rows,
  };
}

/** Every device the fleet has heard of, from stored reports, desired states and telemetry (docs/OPERATIONS.md "Inventory"). */
export function listDevices(
  store: FleetStore,
  nowMs: number,
  offlineAfterMs = DEFAULT_OFFLINE_AFTER_MS,
): DeviceEntry[] {
  const seen = store.lastSeen();
  const reports = store.listReported();
  const ids = new Set(reports.filter((r) => r.kind === 'device').map((r) => r.source));
  for (const g of reports.filter((r) => r.kind === 'gateway')) for (const d of devicesOf(store, g.source)) ids.add(d);
  return [...ids].sort().map((id) => {
    const report = reports.find((r) => r.kind === 'device' && r.source === id);
    const gateway =
      report?.gateway ?? reports.find((r) => r.kind === 'gateway' && r.devices?.includes(id))?.source ?? null;
    const desired = gateway !== null ? store.getDesired(gateway) : undefined;
    const a = desired ? assignmentFor(desired, id) : undefined;
    const lastSeen = seen.get(id) ?? null;
    const online = report?.status !== 'offline' && isOnline(lastSeen ?? undefined, nowMs, offlineAfterMs);
    const outcome = desired
      ? deviceOutcome(desired, id, report, lastSeen ?? undefined, nowMs, offlineAfterMs)
      : undefined;
    const active = report?.models.find((m) => m.state === 'active');
    const failed = report?.models.find((m) => m.error !== undefined);
    const windows = active ? store.telemetryWindows({ model: active.name, device: id }) : [];
    return {
      id,
      gateway,
      state: outcome?.state ?? (online ? 'unassigned' : 'offline'),
      online,
      lastSeen,
      active: active ? { name: active.name, version: active.version, artifactId: active.artifactId } : null,
      assigned: a
        ? { name: a.name, version: a.version, rollback: a.rollback === true, override: a.devices !== undefined }
        : null,
      reportedStatus: report?.status ?? null,
      revision: report?.revision ?? -1,
      lastError: failed?.error ?? null,
      health: healthOf(windows),
    };
  });
}

export function listGateways(
  store: FleetStore,
  nowMs: number,
  offlineAfterMs = DEFAULT_OFFLINE_AFTER_MS,
): GatewayEntry[] {
  const seen = store.lastSeen();
  const reports = store.listReported().filter((r) => r.kind === 'gateway');
  const ids = new Set([...reports.map((r) => r.source), ...store.listDesired().map((d) => d.target)]);
  return [...ids].sort().map((id) => {
    const r = reports.find((x) => x.source === id);
    const d = store.getDesired(id);
    const lastSeen = seen.get(id) ?? null;
    return {
      id,
      status: r?.status ?? 'unknown',
      online: r !== undefined && r.status !== 'offline' && isOnline(lastSeen ?? undefined, nowMs, offlineAfterMs),
      lastSeen,
      desiredRevision: d?.revision ?? null,
      reportedRevision: r?.revision ?? null,
      devices: devicesOf(store, id),
      assignments: (d?.models ?? []).map((m) => ({
        name: m.name,
        version: m.version,
        ...(m.devices ? { devices: m.devices } : {}),
        ...(m.rollback ? { rollback: true } : {}),
      })),
    };
  });
}

export function listModels(store: FleetStore): ModelEntry[] {
  const reports = store.listReported().filter((r) => r.kind === 'device');
  const desired = store.listDesired();
  return store.listArtifacts().map((a) => ({
    name: a.name,
    version: a.version,
    parentVersion: a.manifest.parentVersion,
    artifactId: a.artifactId,
    registeredAt: a.registeredAt,
    withdrawnAt: a.withdrawnAt ?? null,
    metrics: Object.fromEntries(Object.entries(a.manifest.metrics).map(([k, m]) => [k, m.value])),
    assignedAt: desired.filter((d) => d.models.some((m) => m.artifactId === a.artifactId)).map((d) => d.target),
    runningOn: reports
      .filter((r) => r.models.some((m) => m.artifactId === a.artifactId && m.state === 'active'))
      .map((r) => r.source),
  }));
}
