import { useFleetDb, type FleetDb } from '../store/fleet-db.ts';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import type { Campaign } from './campaign.ts';
import type { CampaignStore } from './campaign-store.ts';

/** The campaign table, created in fleet.db next to the fleet store's own (IF NOT EXISTS). */
export const CAMPAIGN_SCHEMA = `
CREATE TABLE IF NOT EXISTS campaigns (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,
  rev INTEGER NOT NULL,
  state TEXT NOT NULL,
  body TEXT NOT NULL
);
`;

/**
 * Campaigns in the fleet's SQLite file (`file` is fleet.db's path), on a connection of its own in
 * WAL mode: the fleet's engine and the CLI's rollout commands change them from two processes,
 * each change a compare-and-set on `rev`.
 */
export function openSqliteCampaignStore(target: string | FleetDb): CampaignStore {
  const { db, close } = useFleetDb(target);
  db.exec(CAMPAIGN_SCHEMA);
  const parse = (r: { body: string } | undefined): Campaign | undefined =>
    r ? (JSON.parse(r.body) as Campaign) : undefined;
  return {
    create(c) {
      try {
        db.prepare('INSERT INTO campaigns (id, rev, state, body) VALUES (?, ?, ?, ?)').run(
          c.id,
          c.rev,
          c.state,
          JSON.stringify(c),
        );
      } catch (err) {
        throw fleetError(FleetErrorCodes.CAMPAIGN_INVALID, `campaign ${c.id} exists`, { id: c.id }, err);
      }
    },
    get: (id) => parse(db.prepare<[string], { body: string }>('SELECT body FROM campaigns WHERE id = ?').get(id)),
    list: () =>
      db
        .prepare<[], { body: string }>('SELECT body FROM campaigns ORDER BY seq')
        .all()
        .map((r) => parse(r) as Campaign),
    update(next, expectedRev) {
      const stored: Campaign = { ...next, rev: expectedRev + 1 };
      const changed = db
        .prepare('UPDATE campaigns SET rev = ?, state = ?, body = ? WHERE id = ? AND rev = ?')
        .run(stored.rev, stored.state, JSON.stringify(stored), next.id, expectedRev).changes;
      return changed === 1 ? stored : undefined;
    },
    close,
  };
}
