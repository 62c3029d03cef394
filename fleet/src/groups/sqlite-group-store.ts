import { useFleetDb, type FleetDb } from '../store/fleet-db.ts';
import type { GroupEntry, GroupPin, GroupStore } from './group-store.ts';

/** The group tables, created in fleet.db next to the fleet store's own (IF NOT EXISTS: opening is idempotent). */
export const GROUP_SCHEMA = `
CREATE TABLE IF NOT EXISTS group_members (
  group_name TEXT NOT NULL,
  device TEXT NOT NULL,
  PRIMARY KEY (group_name, device)
);
CREATE INDEX IF NOT EXISTS group_members_device ON group_members (device);
CREATE TABLE IF NOT EXISTS group_pins (
  group_name TEXT NOT NULL,
  model TEXT NOT NULL,
  version INTEGER NOT NULL,
  pinned_at TEXT NOT NULL,
  PRIMARY KEY (group_name, model)
);
`;

interface PinRow {
  group_name: string;
  model: string;
  version: number;
  pinned_at: string;
}

const toPin = (r: PinRow): GroupPin => ({
  group: r.group_name,
  model: r.model,
  version: r.version,
  pinnedAt: r.pinned_at,
});

/**
 * Groups and pins in the fleet's SQLite file (`file` is fleet.db's path): a connection of its own
 * in WAL mode, so the running fleet and a CLI command can use it at the same time.
 */
export function openSqliteGroupStore(target: string | FleetDb): GroupStore {
  const { db, close } = useFleetDb(target);
  db.exec(GROUP_SCHEMA);
  const insert = db.prepare('INSERT OR IGNORE INTO group_members (group_name, device) VALUES (?, ?)');
  const addMany = db.transaction((group: string, devices: readonly string[]) => {
    for (const d of devices) insert.run(group, d);
  });
  const removeOne = db.prepare('DELETE FROM group_members WHERE group_name = ? AND device = ?');
  const removeMany = db.transaction((group: string, devices: readonly string[]) => {
    let n = 0;
    for (const d of devices) n += removeOne.run(group, d).changes;
    return n;
  });
  const removeGroup = db.transaction((group: string) => {
    db.prepare('DELETE FROM group_pins WHERE group_name = ?').run(group);
    return db.prepare('DELETE FROM group_members WHERE group_name = ?').run(group).changes;
  });
  const allPins = (): GroupPin[] =>
    db.prepare<[], PinRow>('SELECT * FROM group_pins ORDER BY group_name, model').all().map(toPin);
  return {
    addMembers: (group, devices) => addMany(group, devices),
    removeMembers: (group, devices) => (devices === undefined ? removeGroup(group) : removeMany(group, devices)),
    list() {
      const rows = db
        .prepare<[], { group_name: string; device: string }>(
          'SELECT group_name, device FROM group_members ORDER BY group_name, device',
        )
        .all();
      const pins = allPins();
      const names = [...new Set([...rows.map((r) => r.group_name), ...pins.map((p) => p.group)])].sort();
      return names.map((name): GroupEntry => ({
        name,
        devices: rows.filter((r) => r.group_name === name).map((r) => r.device),
        pins: pins.filter((p) => p.group === name),
      }));
    },
    members: (group) =>
      db
        .prepare<[string], { device: string }>('SELECT device FROM group_members WHERE group_name = ? ORDER BY device')
        .all(group)
        .map((r) => r.device),
    groupsOf: (device) =>
      db
        .prepare<[string], { group_name: string }>(
          'SELECT group_name FROM group_members WHERE device = ? ORDER BY group_name',
        )
        .all(device)
        .map((r) => r.group_name),
    pin(group, model, version, at) {
      db.prepare(
        'INSERT INTO group_pins (group_name, model, version, pinned_at) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT (group_name, model) DO UPDATE SET version = excluded.version, pinned_at = excluded.pinned_at',
      ).run(group, model, version, at);
    },
    unpin: (group, model) =>
      db.prepare('DELETE FROM group_pins WHERE group_name = ? AND model = ?').run(group, model).changes > 0,
    pins: allPins,
    close,
  };
}
