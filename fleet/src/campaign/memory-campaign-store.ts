import { FleetErrorCodes, fleetError } from '../errors.ts';
import type { Campaign } from './campaign.ts';
import type { CampaignStore } from './campaign-store.ts';

/** Campaigns in memory (tests, throwaway runs); copies in and out, as the SQLite store's JSON does. */
export function createMemoryCampaignStore(): CampaignStore {
  const rows = new Map<string, Campaign>();
  const copy = (c: Campaign): Campaign => structuredClone(c);
  return {
    create(c) {
      if (rows.has(c.id)) throw fleetError(FleetErrorCodes.CAMPAIGN_INVALID, `campaign ${c.id} exists`, { id: c.id });
      rows.set(c.id, copy(c));
    },
    get: (id) => {
      const c = rows.get(id);
      return c ? copy(c) : undefined;
    },
    list: () => [...rows.values()].map(copy),
    update(next, expectedRev) {
      const cur = rows.get(next.id);
      if (!cur || cur.rev !== expectedRev) return undefined;
      const stored = { ...copy(next), rev: expectedRev + 1 };
      rows.set(next.id, stored);
      return copy(stored);
    },
    close() {},
  };
}
