import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOutpostError } from '@outpost/protocol';
import { DEFAULT_GATES, type Campaign } from '../../src/campaign/campaign.ts';
import type { CampaignStore } from '../../src/campaign/campaign-store.ts';
import { FleetErrorCodes } from '../../src/errors.ts';

export interface CampaignStoreFactory {
  open(): CampaignStore;
  reopen?(): CampaignStore;
  cleanup?(): void;
}

export function campaign(id: string): Campaign {
  return {
    id,
    model: 'housing',
    version: 2,
    artifactId: 'a'.repeat(64),
    target: { kind: 'site', gateway: 'gw1' },
    steps: [{ count: 1 }, { all: true }],
    gates: DEFAULT_GATES,
    onFail: 'rollback',
    seed: id,
    state: 'pending',
    current: 0,
    waves: [
      { index: 0, state: 'pending', devices: [{ device: 'd1', gateway: 'gw1', previous: null }] },
      {
        index: 1,
        state: 'pending',
        devices: [{ device: 'd2', gateway: 'gw1', previous: { name: 'housing', version: 1, override: false } }],
      },
    ],
    skipped: [{ device: 'd3', reason: 'pinned', detail: 'group lab pins v1' }],
    createdBy: 'alice',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    rev: 0,
  };
}

/** The CampaignStore contract, run against every implementation (docs/ARCHITECTURE.md "Composition and tests"). */
export function campaignStoreContract(label: string, factory: () => CampaignStoreFactory): void {
  describe(`CampaignStore contract: ${label}`, () => {
    let f: CampaignStoreFactory;
    let store: CampaignStore;
    beforeEach(() => {
      f = factory();
      store = f.open();
    });
    afterEach(() => {
      store.close();
      f.cleanup?.();
    });

    it('stores campaigns whole, lists them oldest first, refuses a taken id', () => {
      store.create(campaign('b'));
      store.create(campaign('a'));
      expect(store.get('b')).toEqual(campaign('b'));
      expect(store.get('zz')).toBeUndefined();
      expect(store.list().map((c) => c.id)).toEqual(['b', 'a']);
      let err: unknown;
      try {
        store.create(campaign('a'));
      } catch (e) {
        err = e;
      }
      expect(isOutpostError(err, FleetErrorCodes.CAMPAIGN_INVALID)).toBe(true);
    });

    it('updates by compare-and-set on rev: a stale writer loses and changes nothing', () => {
      store.create(campaign('a'));
      const read = store.get('a') as Campaign;
      const first = store.update({ ...read, state: 'running' }, read.rev);
      expect(first).toMatchObject({ state: 'running', rev: 1 });
      expect(store.update({ ...read, state: 'aborted' }, read.rev)).toBeUndefined();
      expect(store.get('a')).toMatchObject({ state: 'running', rev: 1 });
      expect(store.update({ ...(first as Campaign), state: 'paused' }, 1)).toMatchObject({ state: 'paused', rev: 2 });
      expect(store.update({ ...campaign('nope') }, 0)).toBeUndefined();
    });

    it('hands out copies: changing what it returned changes nothing stored', () => {
      store.create(campaign('a'));
      const c = store.get('a') as Campaign;
      (c.waves[0] as { state: string }).state = 'failed';
      expect(store.get('a')?.waves[0]?.state).toBe('pending');
    });

    if (factory().reopen) {
      it('keeps campaigns across a reopen', () => {
        store.create(campaign('a'));
        store.update({ ...campaign('a'), state: 'soaking' }, 0);
        store.close();
        store = (f.reopen as () => CampaignStore)();
        expect(store.get('a')).toMatchObject({ state: 'soaking', rev: 1 });
      });
    }
  });
}
