import { userInfo } from 'node:os';
import {
  assertId,
  assignmentFor,
  encode,
  signDesiredState,
  topics,
  type Clock,
  type DesiredState,
  type ModelAssignment,
  type SigningKeyPair,
  type Transport,
} from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from './errors.ts';
import { nextDesiredState, type IntentChange } from './intent/assignments.ts';
import { devicesOf, gatewayOf } from './intent/outcome.ts';
import type { ArtifactRecord, FleetStore } from './store/fleet-store.ts';

export { nextDesiredState } from './intent/assignments.ts';

export interface DesiredStateDeps {
  store: FleetStore;
  clock: Clock;
  /** The fleet's intent key: every desired state is signed with it (docs/SECURITY.md "Signed intent"). */
  intentKeys: SigningKeyPair;
  /** Where the desired state is published; absent = store only (e.g. an offline CLI run). */
  transport?: Transport;
}

export interface IntentOptions {
  /** Who asks (kept in the audit log); default the OS user name. */
  actor?: string;
  /** Why (kept in the audit log). */
  reason?: string;
  /**
   * Allow a gateway (and devices) the fleet has not heard from yet: pre-provisioning, e.g. the
   * stack assigning before its gateway starts. The CLI never sets it.
   */
  allowUnknown?: boolean;
}

/** One gateway's part of an operator action: the desired state written and the devices it targets. */
export interface IntentTarget {
  gatewayId: string;
  state: DesiredState;
  /** Known devices whose assignment this action set (their outcome is what `--wait` waits for). */
  devices: string[];
}

const defaultActor = (): string => process.env.USER ?? process.env.LOGNAME ?? userInfo().username;
export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString();

export function publishDesired(transport: Transport, state: DesiredState): Promise<void> {
  return transport.publish(topics.gateway(state.target, 'desired'), encode(state), { qos: 1, retain: true });
}

export function knownGateway(store: FleetStore, gatewayId: string): boolean {
  return (
    store.getDesired(gatewayId) !== undefined ||
    store.listReported().some((r) => r.kind === 'gateway' && r.source === gatewayId)
  );
}

export function registered(store: FleetStore, model: string, version: number): ArtifactRecord {
  const artifact = store.findArtifact(model, version);
  if (!artifact) {
    throw fleetError(FleetErrorCodes.VERSION_NOT_REGISTERED, `no registered artifact for ${model} v${version}`, {
      name: model,
      version,
    });
  }
  if (artifact.withdrawnAt !== undefined) {
    throw fleetError(
      FleetErrorCodes.VERSION_WITHDRAWN,
      `${model} v${version} was withdrawn at ${artifact.withdrawnAt}; it cannot be assigned`,
      { name: model, version, withdrawnAt: artifact.withdrawnAt },
    );
  }
  return artifact;
}

/** Signs, stores and publishes (when connected) a gateway's next desired state. */
export async function write(deps: DesiredStateDeps, gatewayId: string, change: IntentChange): Promise<DesiredState> {
  const next = nextDesiredState(deps.store.getDesired(gatewayId), gatewayId, change, isoNow(deps.clock));
  const signed = signDesiredState(next, deps.intentKeys);
  deps.store.putDesired(signed);
  if (deps.transport) await publishDesired(deps.transport, signed);
  return signed;
}

export function targeted(store: FleetStore, state: DesiredState, model: string, version: number): string[] {
  return devicesOf(store, state.target).filter((d) => {
    const a = assignmentFor(state, d);
    return a?.name === model && a.version === version;
  });
}

/**
 * Assigns a registered model version to a gateway's devices (docs/ARCHITECTURE.md "Deploy:
 * desired → reported"): site-wide, or as an override for `devices`. Refuses an unknown gateway or
 * device, an unregistered or withdrawn version, and a version older than the one its scope
 * runs (that is a rollback). Signs, stores and publishes retained, and writes the audit log.
 */
export async function assign(
  deps: DesiredStateDeps,
  gatewayId: string,
  modelName: string,
  version: number,
  devices?: string[],
  opts: IntentOptions = {},
): Promise<IntentTarget> {
  assertId('gateway', gatewayId);
  assertId('model', modelName);
  for (const d of devices ?? []) assertId('device', d);
  const { store } = deps;
  const artifact = registered(store, modelName, version);
  if (!opts.allowUnknown) {
    if (!knownGateway(store, gatewayId)) {
      throw fleetError(FleetErrorCodes.UNKNOWN_GATEWAY, `the fleet has never heard from gateway ${gatewayId}`, {
        gateway: gatewayId,
      });
    }
    const known = new Set(devicesOf(store, gatewayId));
    const unknown = (devices ?? []).filter((d) => !known.has(d));
    if (unknown.length > 0) {
      throw fleetError(FleetErrorCodes.UNKNOWN_DEVICE, `no device ${unknown.join(', ')} at gateway ${gatewayId}`, {
        gateway: gatewayId,
        devices: unknown,
      });
    }
  }
  const previous = store.getDesired(gatewayId);
  const current =
    devices === undefined
      ? previous?.models.filter((m) => m.devices === undefined)
      : devices.map((d) => previous && assignmentFor(previous, d)).filter((m) => m !== undefined);
  const newer = (current ?? []).find((m) => m.name === modelName && m.version > version);
  if (newer) {
    throw fleetError(
      FleetErrorCodes.VERSION_OLDER,
      `${gatewayId} runs ${modelName} v${newer.version} there; to go back to v${version} use \`outpost rollback ${modelName} --to ${version}\``,
      { gateway: gatewayId, model: modelName, version, current: newer.version },
    );
  }
  const assignment: ModelAssignment = {
    name: modelName,
    version,
    artifactId: artifact.artifactId,
    ...(devices !== undefined ? { devices: [...new Set(devices)].sort() } : {}),
  };
  const state = await write(deps, gatewayId, { kind: 'assign', assignment });
  const list = devices !== undefined ? [...new Set(devices)].sort() : targeted(store, state, modelName, version);
  audit(deps, opts, 'assign', gatewayId + (devices ? ` devices ${assignment.devices?.join(',')}` : ''), {
    model: modelName,
    version,
    details: { gateway: gatewayId, revision: state.revision, devices: list },
  });
  return { gatewayId, state, devices: list };
}

/** Removes the site-wide assignment of a gateway, or the overrides of `devices` (they fall back to the site-wide one). */
export async function unassign(
  deps: DesiredStateDeps,
  gatewayId: string,
  devices?: string[],
  opts: IntentOptions = {},
): Promise<IntentTarget> {
  assertId('gateway', gatewayId);
  const previous = deps.store.getDesired(gatewayId);
  const has =
    devices === undefined
      ? previous?.models.some((m) => m.devices === undefined)
      : previous?.models.some((m) => m.devices?.some((d) => devices.includes(d)));
  if (!has) {
    throw fleetError(
      FleetErrorCodes.NOT_ASSIGNED,
      devices === undefined
        ? `${gatewayId} has no site-wide assignment`
        : `no override for ${devices.join(', ')} at ${gatewayId}`,
      { gateway: gatewayId, ...(devices ? { devices } : {}) },
    );
  }
  const state = await write(deps, gatewayId, devices ? { kind: 'unassign', devices } : { kind: 'unassign' });
  audit(deps, opts, 'unassign', gatewayId + (devices ? ` devices ${devices.join(',')}` : ''), {
    details: { gateway: gatewayId, revision: state.revision },
  });
  return { gatewayId, state, devices: devices ?? [] };
}

export interface RollbackOptions extends IntentOptions {
  /** The version to go back to; default the newest registered, not withdrawn version below the one assigned. */
  to?: number;
  /** Only this gateway (site). */
  site?: string;
  /** Only these devices (overrides on their gateways). */
  devices?: string[];
}

export interface RollbackResult {
  to: number;
  targets: IntentTarget[];
}

/**
 * Rolls a model back at once (docs/OPERATIONS.md "Roll back"): every assignment of `model` in
 * the scope (the whole fleet, one site, or some devices) is replaced by a signed explicit
 * rollback to `to`, any earlier registered version; devices that still hold it in a slot switch
 * without a download.
 */
export async function rollback(
  deps: DesiredStateDeps,
  model: string,
  opts: RollbackOptions = {},
): Promise<RollbackResult> {
  assertId('model', model);
  const { store } = deps;
  if (opts.site !== undefined) {
    assertId('gateway', opts.site);
    if (!knownGateway(store, opts.site)) {
      throw fleetError(FleetErrorCodes.UNKNOWN_GATEWAY, `the fleet has never heard from gateway ${opts.site}`, {
        gateway: opts.site,
      });
    }
  }
  // Which gateway each device override goes to, and which gateways a site or fleet rollback touches.
  const byGateway = new Map<string, string[] | undefined>();
  if (opts.devices !== undefined) {
    const unknown: string[] = [];
    for (const d of opts.devices) {
      assertId('device', d);
      const gw = opts.site ?? gatewayOf(store, d);
      if (gw === undefined || !devicesOf(store, gw).includes(d)) unknown.push(d);
      else byGateway.set(gw, [...(byGateway.get(gw) ?? []), d]);
    }
    if (unknown.length > 0) {
      throw fleetError(FleetErrorCodes.UNKNOWN_DEVICE, `the fleet does not know device ${unknown.join(', ')}`, {
        devices: unknown,
      });
    }
  } else {
    for (const s of store.listDesired()) {
      if (opts.site !== undefined && s.target !== opts.site) continue;
      if (s.models.some((m) => m.name === model)) byGateway.set(s.target, undefined);
    }
  }
  // The versions of `model` the scope runs now.
  const currentVersions: number[] = [];
  for (const [gw, devices] of byGateway) {
    const state = store.getDesired(gw);
    if (!state) continue;
    if (devices === undefined)
      currentVersions.push(...state.models.filter((m) => m.name === model).map((m) => m.version));
    else
      for (const d of devices) {
        const a = assignmentFor(state, d);
        if (a?.name === model) currentVersions.push(a.version);
      }
  }
  if (currentVersions.length === 0) {
    throw fleetError(FleetErrorCodes.NOT_ASSIGNED, `${model} is not assigned in that scope`, {
      model,
      ...(opts.site ? { site: opts.site } : {}),
      ...(opts.devices ? { devices: opts.devices } : {}),
    });
  }
  const highest = Math.max(...currentVersions);
  let to = opts.to;
  if (to === undefined) {
    const earlier = store
      .listArtifacts(model)
      .filter((a) => a.version < highest && a.withdrawnAt === undefined)
      .map((a) => a.version);
    if (earlier.length === 0) {
      throw fleetError(FleetErrorCodes.NO_EARLIER_VERSION, `no registered version of ${model} older than v${highest}`, {
        model,
        current: highest,
      });
    }
    to = Math.max(...earlier);
  }
  const artifact = registered(store, model, to);
  if (to >= highest) {
    throw fleetError(
      FleetErrorCodes.NO_EARLIER_VERSION,
      `v${to} is not older than v${highest}, the version of ${model} assigned there`,
      { model, to, current: highest },
    );
  }
  const back: ModelAssignment = { name: model, version: to, artifactId: artifact.artifactId, rollback: true };
  const targets: IntentTarget[] = [];
  for (const [gw, devices] of byGateway) {
    let state = store.getDesired(gw);
    if (!state) continue;
    if (devices !== undefined) {
      state = await write(deps, gw, { kind: 'assign', assignment: { ...back, devices } });
      targets.push({ gatewayId: gw, state, devices: [...devices].sort() });
      continue;
    }
    // Every entry of the model newer than `to` in this gateway, in one revision.
    const models = state.models.map((m) =>
      m.name === model && m.version > to ? { ...back, ...(m.devices ? { devices: m.devices } : {}) } : m,
    );
    const next = signDesiredState(
      {
        target: gw,
        revision: state.revision + 1,
        issuedAt: isoNow(deps.clock),
        models,
        ...(state.shadow ? { shadow: state.shadow } : {}),
      },
      deps.intentKeys,
    );
    store.putDesired(next);
    if (deps.transport) await publishDesired(deps.transport, next);
    targets.push({ gatewayId: gw, state: next, devices: targeted(store, next, model, to) });
  }
  audit(deps, opts, 'rollback', opts.devices ? `devices ${opts.devices.join(',')}` : (opts.site ?? 'fleet'), {
    model,
    version: to,
    details: { from: highest, gateways: targets.map((t) => ({ gateway: t.gatewayId, revision: t.state.revision })) },
  });
  return { to, targets };
}

/**
 * Re-signs stored desired states that are unsigned or signed with another key (a fleet upgraded
 * from unsigned intent, or a replaced intent key) with a new revision, so gateways accept them.
 */
export function resignStored(
  deps: Pick<DesiredStateDeps, 'store' | 'clock' | 'intentKeys'>,
  isSignedByUs: (s: DesiredState) => boolean,
): DesiredState[] {
  const out: DesiredState[] = [];
  for (const s of deps.store.listDesired()) {
    if (isSignedByUs(s)) {
      out.push(s);
      continue;
    }
    const next = signDesiredState({ ...s, revision: s.revision + 1, issuedAt: isoNow(deps.clock) }, deps.intentKeys);
    deps.store.putDesired(next);
    out.push(next);
  }
  return out;
}

export function audit(
  deps: Pick<DesiredStateDeps, 'store' | 'clock'>,
  opts: IntentOptions,
  action: string,
  target: string,
  extra: { model?: string; version?: number; details?: Record<string, unknown> },
): void {
  deps.store.addAudit({
    at: isoNow(deps.clock),
    actor: opts.actor ?? defaultActor(),
    action,
    target,
    ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
    ...extra,
  });
}
