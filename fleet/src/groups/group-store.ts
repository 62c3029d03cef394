/**
 * Groups of devices and version pins (docs/OPERATIONS.md "Groups and pinning"): a device may be in
 * any number of groups; a group may pin a model to a version, and campaigns skip its devices for
 * that model (they are reported as skipped). Implementations: `openSqliteGroupStore` (tables in
 * fleet.db) and `createMemoryGroupStore`; both pass fleet/test/campaign/group-store-contract.ts.
 */
export interface GroupPin {
  group: string;
  model: string;
  version: number;
  /** Fleet-clock time (ISO) the pin was set. */
  pinnedAt: string;
}

export interface GroupEntry {
  name: string;
  /** Member device ids, sorted. */
  devices: string[];
  pins: GroupPin[];
}

export interface GroupStore {
  /** Adds devices to a group (created on first use); adding a member twice is a no-op. */
  addMembers(group: string, devices: readonly string[]): void;
  /** Removes devices from a group, or the whole group (members and pins) without `devices`; returns how many memberships went. */
  removeMembers(group: string, devices?: readonly string[]): number;
  /** Every group with members or pins, by name. */
  list(): GroupEntry[];
  /** Member device ids of a group, sorted (empty for an unknown group). */
  members(group: string): string[];
  /** The groups a device is in, sorted. */
  groupsOf(device: string): string[];
  /** Pins `model` to `version` for a group's devices (replaces an earlier pin of that model). */
  pin(group: string, model: string, version: number, at: string): void;
  /** Removes a group's pin of `model`; false if there was none. */
  unpin(group: string, model: string): boolean;
  /** Every pin, by group then model. */
  pins(): GroupPin[];
  close(): void;
}

/** The pins of `model` that hold `device` (through any of its groups), by group. */
export function pinsOf(store: GroupStore, device: string, model: string): GroupPin[] {
  const groups = new Set(store.groupsOf(device));
  return store.pins().filter((p) => p.model === model && groups.has(p.group));
}
