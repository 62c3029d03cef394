import type { GroupEntry, GroupPin, GroupStore } from './group-store.ts';

/** A group store in memory (tests, throwaway runs). */
export function createMemoryGroupStore(): GroupStore {
  const members = new Map<string, Set<string>>();
  const pins = new Map<string, GroupPin>();
  const pinKey = (group: string, model: string): string => `${group}\0${model}`;
  const sortedPins = (): GroupPin[] =>
    [...pins.values()].sort((a, b) => a.group.localeCompare(b.group) || a.model.localeCompare(b.model));
  return {
    addMembers(group, devices) {
      const set = members.get(group) ?? new Set<string>();
      for (const d of devices) set.add(d);
      members.set(group, set);
    },
    removeMembers(group, devices) {
      const set = members.get(group);
      if (devices === undefined) {
        for (const [k, p] of pins) if (p.group === group) pins.delete(k);
        members.delete(group);
        return set?.size ?? 0;
      }
      let n = 0;
      for (const d of devices) if (set?.delete(d)) n++;
      if (set && set.size === 0) members.delete(group);
      return n;
    },
    list() {
      const names = new Set([...members.keys(), ...[...pins.values()].map((p) => p.group)]);
      return [...names].sort().map((name): GroupEntry => ({
        name,
        devices: [...(members.get(name) ?? [])].sort(),
        pins: sortedPins().filter((p) => p.group === name),
      }));
    },
    members: (group) => [...(members.get(group) ?? [])].sort(),
    groupsOf: (device) =>
      [...members]
        .filter(([, set]) => set.has(device))
        .map(([g]) => g)
        .sort(),
    pin(group, model, version, at) {
      pins.set(pinKey(group, model), { group, model, version, pinnedAt: at });
    },
    unpin: (group, model) => pins.delete(pinKey(group, model)),
    pins: sortedPins,
    close() {},
  };
}
