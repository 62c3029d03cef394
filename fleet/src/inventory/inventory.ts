import { assignmentFor, type DesiredState, type ReportedState } from '@outpost/protocol';
import { DEFAULT_OFFLINE_AFTER_MS, deviceOutcome, devicesOf, isOnline } from '../intent/outcome.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import { memoryHealthReader, type Health, type HealthReader } from './health.ts';

export { HEALTH_WINDOWS, healthOf, type Health } from './health.ts';

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

/**
 * Every device the fleet has heard of, from stored reports, desired states and telemetry
 * (docs/OPERATIONS.md "Inventory"). Each device's health comes from `health` (the fleet and the
 * commands pass the bounded query on fleet.db, `healthReaderFor`, docs/ARCHITECTURE.md "Inventory";
 * default: every window of the store); the reports are read once and each
 * gateway's desired state once, so the list costs about the same per device at 1,000 devices.
 */
export function listDevices(
  store: FleetStore,
  nowMs: number,
  offlineAfterMs = DEFAULT_OFFLINE_AFTER_MS,
  health: HealthReader = memoryHealthReader(store),
): DeviceEntry[] {
  return withHealth(deviceEntries(store, nowMs, offlineAfterMs), health);
}

/** Fills in each entry's health (a page of `deviceEntries` after filtering, for the API). */
export function withHealth(entries: readonly DeviceEntry[], health: HealthReader): DeviceEntry[] {
  return entries.map((d) => (d.active ? { ...d, health: health.health(d.id, d.active.name) } : d));
}

/** `listDevices` without health figures (every `health` empty): what filters and pages need. */
export function deviceEntries(
  store: FleetStore,
  nowMs: number,
  offlineAfterMs = DEFAULT_OFFLINE_AFTER_MS,
): DeviceEntry[] {
  const seen = store.lastSeen();
  const reports = store.listReported();
  const once = { listReported: () => reports };
  const deviceReports = new Map(reports.filter((r) => r.kind === 'device').map((r) => [r.source, r]));
  const gatewayReports = reports.filter((r) => r.kind === 'gateway');
  const ids = new Set(deviceReports.keys());
  for (const g of gatewayReports) for (const d of devicesOf(once, g.source)) ids.add(d);
  const listedBy = new Map<string, string>();
  for (const g of gatewayReports) for (const d of g.devices ?? []) if (!listedBy.has(d)) listedBy.set(d, g.source);
  const desiredOf = new Map<string, DesiredState | undefined>();
  const desiredFor = (gateway: string): DesiredState | undefined => {
    if (!desiredOf.has(gateway)) desiredOf.set(gateway, store.getDesired(gateway));
    return desiredOf.get(gateway);
  };
  return [...ids].sort().map((id) => {
    const report = deviceReports.get(id);
    const gateway = report?.gateway ?? listedBy.get(id) ?? null;
    const desired = gateway !== null ? desiredFor(gateway) : undefined;
    const a = desired ? assignmentFor(desired, id) : undefined;
    const lastSeen = seen.get(id) ?? null;
    const online = report?.status !== 'offline' && isOnline(lastSeen ?? undefined, nowMs, offlineAfterMs);
    const outcome = desired
      ? deviceOutcome(desired, id, report, lastSeen ?? undefined, nowMs, offlineAfterMs)
      : undefined;
    const active = report?.models.find((m) => m.state === 'active');
    const failed = report?.models.find((m) => m.error !== undefined);
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
      health: NO_HEALTH,
    };
  });
}

const NO_HEALTH: Health = { windows: 0, rows: 0, latencyP50Ms: null, latencyP95Ms: null, errorRate: null };

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
