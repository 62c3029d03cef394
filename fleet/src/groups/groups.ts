import { userInfo } from 'node:os';
import { assertId, type Clock } from '@outpost/protocol';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import type { GroupStore } from './group-store.ts';

/** What the group operations need: the group store, the fleet store (known devices, registry, audit), a clock. */
export interface GroupDeps {
  groups: GroupStore;
  store: FleetStore;
  clock: Clock;
}

export interface GroupActionOptions {
  /** Who asks (kept in the audit log); default the OS user name. */
  actor?: string;
  reason?: string;
  /** Allow devices the fleet has not heard from yet (pre-provisioning). */
  allowUnknown?: boolean;
}

const defaultActor = (): string => process.env.USER ?? process.env.LOGNAME ?? userInfo().username;

function audit(deps: GroupDeps, o: GroupActionOptions, action: string, target: string, extra: object): void {
  deps.store.addAudit({
    at: new Date(deps.clock.now()).toISOString(),
    actor: o.actor ?? defaultActor(),
    action,
    target,
    ...(o.reason !== undefined ? { reason: o.reason } : {}),
    ...extra,
  });
}

/** Device ids the fleet knows: every device report, and every device a gateway lists. */
export function knownDevices(store: Pick<FleetStore, 'listReported'>): Set<string> {
  const ids = new Set<string>();
  for (const r of store.listReported()) {
    if (r.kind === 'device') ids.add(r.source);
    else for (const d of r.devices ?? []) ids.add(d);
  }
  return ids;
}

/** `outpost group add`: puts devices in a group; refuses devices the fleet does not know (OUTPOST_ERR_UNKNOWN_DEVICE). */
export function addToGroup(
  deps: GroupDeps,
  group: string,
  devices: readonly string[],
  o: GroupActionOptions = {},
): void {
  assertId('group', group);
  for (const d of devices) assertId('device', d);
  if (!o.allowUnknown) {
    const known = knownDevices(deps.store);
    const unknown = devices.filter((d) => !known.has(d));
    if (unknown.length > 0) {
      throw fleetError(FleetErrorCodes.UNKNOWN_DEVICE, `the fleet does not know device ${unknown.join(', ')}`, {
        devices: unknown,
      });
    }
  }
  deps.groups.addMembers(group, devices);
  audit(deps, o, 'group.add', group, { details: { devices: [...devices] } });
}

/** `outpost group remove`: takes devices out of a group, or deletes the group (members and pins) without devices. */
export function removeFromGroup(
  deps: GroupDeps,
  group: string,
  devices?: readonly string[],
  o: GroupActionOptions = {},
): number {
  assertId('group', group);
  const entry = deps.groups.list().find((g) => g.name === group);
  const missing = devices === undefined ? [] : devices.filter((d) => !entry?.devices.includes(d));
  if (!entry || missing.length > 0) {
    throw fleetError(
      FleetErrorCodes.NOT_IN_GROUP,
      entry ? `${missing.join(', ')} not in group ${group}` : `no group ${group}`,
      { group, ...(missing.length > 0 ? { devices: missing } : {}) },
    );
  }
  const n = deps.groups.removeMembers(group, devices);
  audit(deps, o, 'group.remove', group, { details: { devices: devices ? [...devices] : entry.devices } });
  return n;
}

/** `outpost pin <group> <model> <version>`: campaigns of `model` skip the group's devices. */
export function pinGroup(
  deps: GroupDeps,
  group: string,
  model: string,
  version: number,
  o: GroupActionOptions = {},
): void {
  assertId('group', group);
  assertId('model', model);
  if (!deps.store.findArtifact(model, version)) {
    throw fleetError(FleetErrorCodes.VERSION_NOT_REGISTERED, `no registered artifact for ${model} v${version}`, {
      name: model,
      version,
    });
  }
  if (!deps.groups.list().some((g) => g.name === group)) {
    throw fleetError(FleetErrorCodes.NOT_IN_GROUP, `no group ${group}`, { group });
  }
  deps.groups.pin(group, model, version, new Date(deps.clock.now()).toISOString());
  audit(deps, o, 'pin', group, { model, version });
}

/** `outpost unpin <group> <model>`. */
export function unpinGroup(deps: GroupDeps, group: string, model: string, o: GroupActionOptions = {}): void {
  assertId('group', group);
  assertId('model', model);
  if (!deps.groups.unpin(group, model)) {
    throw fleetError(FleetErrorCodes.NOT_ASSIGNED, `group ${group} has no pin of ${model}`, { group, model });
  }
  audit(deps, o, 'unpin', group, { model });
}
