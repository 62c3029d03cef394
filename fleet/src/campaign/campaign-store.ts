import type { Campaign } from './campaign.ts';

/**
 * Where campaigns are kept. Implementations: `openSqliteCampaignStore` (a table in fleet.db, so a
 * restarted fleet and the CLI see the same campaigns) and `createMemoryCampaignStore`; both pass
 * fleet/test/campaign/campaign-store-contract.ts.
 */
export interface CampaignStore {
  /** Stores a new campaign (its `rev` as given); throws OUTPOST_ERR_CAMPAIGN_INVALID if the id is taken. */
  create(campaign: Campaign): void;
  get(id: string): Campaign | undefined;
  /** Every campaign, oldest first. */
  list(): Campaign[];
  /**
   * Compare-and-set: stores `next` with `rev` = `expectedRev + 1` only if the stored campaign is
   * still at `expectedRev`; returns the stored campaign, or undefined when someone else changed it first.
   */
  update(next: Campaign, expectedRev: number): Campaign | undefined;
  close(): void;
}
