import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GroupStore } from '../../src/groups/group-store.ts';
import { pinsOf } from '../../src/groups/group-store.ts';

export interface GroupStoreFactory {
  open(): GroupStore;
  /** Opens the same store again after close (persistent stores only). */
  reopen?(): GroupStore;
  cleanup?(): void;
}

/** The GroupStore contract, run against every implementation (docs/ARCHITECTURE.md "Composition and tests"). */
export function groupStoreContract(label: string, factory: () => GroupStoreFactory): void {
  describe(`GroupStore contract: ${label}`, () => {
    let f: GroupStoreFactory;
    let store: GroupStore;
    beforeEach(() => {
      f = factory();
      store = f.open();
    });
    afterEach(() => {
      store.close();
      f.cleanup?.();
    });

    it('keeps members per group, a device in several groups, adding twice once', () => {
      store.addMembers('lab', ['d2', 'd1']);
      store.addMembers('lab', ['d1']);
      store.addMembers('north', ['d1', 'd3']);
      expect(store.members('lab')).toEqual(['d1', 'd2']);
      expect(store.groupsOf('d1')).toEqual(['lab', 'north']);
      expect(store.groupsOf('d9')).toEqual([]);
      expect(store.members('nope')).toEqual([]);
      expect(store.list().map((g) => [g.name, g.devices])).toEqual([
        ['lab', ['d1', 'd2']],
        ['north', ['d1', 'd3']],
      ]);
    });

    it('removes members, and a whole group with its pins', () => {
      store.addMembers('lab', ['d1', 'd2']);
      store.pin('lab', 'housing', 2, '2025-01-01T00:00:00.000Z');
      expect(store.removeMembers('lab', ['d2', 'd9'])).toBe(1);
      expect(store.members('lab')).toEqual(['d1']);
      expect(store.removeMembers('lab')).toBe(1);
      expect(store.list()).toEqual([]);
      expect(store.pins()).toEqual([]);
    });

    it('pins one version per (group, model), replaced by a later pin, and finds the pins holding a device', () => {
      store.addMembers('lab', ['d1']);
      store.addMembers('north', ['d2']);
      store.pin('lab', 'housing', 1, '2025-01-01T00:00:00.000Z');
      store.pin('lab', 'housing', 2, '2025-01-02T00:00:00.000Z');
      store.pin('lab', 'other', 5, '2025-01-02T00:00:00.000Z');
      expect(store.pins()).toEqual([
        { group: 'lab', model: 'housing', version: 2, pinnedAt: '2025-01-02T00:00:00.000Z' },
        { group: 'lab', model: 'other', version: 5, pinnedAt: '2025-01-02T00:00:00.000Z' },
      ]);
      expect(pinsOf(store, 'd1', 'housing').map((p) => p.version)).toEqual([2]);
      expect(pinsOf(store, 'd2', 'housing')).toEqual([]);
      expect(store.unpin('lab', 'housing')).toBe(true);
      expect(store.unpin('lab', 'housing')).toBe(false);
      expect(pinsOf(store, 'd1', 'housing')).toEqual([]);
    });

    if (factory().reopen) {
      it('keeps groups and pins across a reopen', () => {
        store.addMembers('lab', ['d1']);
        store.pin('lab', 'housing', 3, '2025-01-01T00:00:00.000Z');
        store.close();
        store = (f.reopen as () => GroupStore)();
        expect(store.members('lab')).toEqual(['d1']);
        expect(store.pins().map((p) => p.version)).toEqual([3]);
      });
    }
  });
}
