import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  IdentityErrorCodes,
  createEnrollToken,
  hashSecret,
  mosquittoHash,
  redeemEnrollToken,
  revokeCredentials,
  tokenHash,
  verifySecret,
  type CredentialStore,
} from '@outpost/protocol/node';

export interface CredentialStoreFactory {
  open(): CredentialStore;
  /** Opens the same store again after close (persistent stores only). */
  reopen?(): CredentialStore;
  cleanup?(): void;
}

/**
 * The CredentialStore contract (docs/SECURITY.md "Identity"), run against every implementation:
 * secrets and tokens stored hashed only, tokens single use and expiring, rotation replaces.
 */
export function credentialStoreContract(label: string, factory: () => CredentialStoreFactory): void {
  describe(`CredentialStore contract: ${label}`, () => {
    let f: CredentialStoreFactory;
    let store: CredentialStore;
    beforeEach(() => {
      f = factory();
      store = f.open();
    });
    afterEach(() => {
      store.close();
      f.cleanup?.();
    });

    it('stores a credential by id, replaces it, lists and removes it', () => {
      store.putCredential({ id: 'gw1', secretHash: 'a', mosquittoHash: 'm1', issuedAt: 1 });
      store.putCredential({ id: 'gw0', secretHash: 'b', mosquittoHash: 'm2', issuedAt: 2 });
      store.putCredential({ id: 'gw1', secretHash: 'c', mosquittoHash: 'm3', issuedAt: 3 });
      expect(store.getCredential('gw1')).toEqual({ id: 'gw1', secretHash: 'c', mosquittoHash: 'm3', issuedAt: 3 });
      expect(store.listCredentials().map((c) => c.id)).toEqual(['gw0', 'gw1']);
      expect(store.removeCredential('gw1')).toBe(true);
      expect(store.removeCredential('gw1')).toBe(false);
      expect(store.getCredential('gw1')).toBeUndefined();
    });

    it('hands out a token once, and never an expired one', () => {
      store.addToken({ tokenHash: 'h1', nodeId: 'gw1', expiresAt: 100 });
      store.addToken({ tokenHash: 'h2', nodeId: 'gw2', expiresAt: 50 });
      expect(store.countTokens()).toBe(2);
      expect(store.consumeToken('h1', 10)).toEqual({ tokenHash: 'h1', nodeId: 'gw1', expiresAt: 100 });
      expect(store.consumeToken('h1', 10)).toBeUndefined();
      expect(store.consumeToken('h2', 60)).toBeUndefined();
      expect(store.countTokens()).toBe(0);
      store.addToken({ tokenHash: 'h3', nodeId: 'gw3', expiresAt: 50 });
      expect(store.pruneTokens(50)).toBe(1);
    });

    it('enrols: the token is kept as a hash, the secret as salted hashes; a reused or expired token is refused', async () => {
      const { token } = createEnrollToken(store, 'gw1', { now: 1000, ttlMs: 60_000 });
      expect(store.countTokens()).toBe(1);
      expect(store.consumeToken(token, 1000)).toBeUndefined(); // not stored in clear
      const again = createEnrollToken(store, 'gw1', { now: 1000, ttlMs: 60_000 });
      const creds = redeemEnrollToken(store, again.token, 2000);
      expect(creds).toMatchObject({ id: 'gw1', username: 'gw1' });
      const rec = store.getCredential('gw1');
      expect(rec?.secretHash).not.toContain(creds.password);
      expect(rec?.mosquittoHash).toMatch(/^\$7\$101\$/);
      expect(await verifySecret(creds.password, rec?.secretHash ?? '')).toBe(true);
      expect(await verifySecret('wrong', rec?.secretHash ?? '')).toBe(false);
      expect(() => redeemEnrollToken(store, again.token, 2000)).toThrow(
        expect.objectContaining({ code: IdentityErrorCodes.ENROLL_TOKEN_INVALID }),
      );
      const late = createEnrollToken(store, 'gw2', { now: 1000, ttlMs: 10 });
      expect(() => redeemEnrollToken(store, late.token, 2000)).toThrow(
        expect.objectContaining({ code: IdentityErrorCodes.ENROLL_TOKEN_INVALID }),
      );
      expect(tokenHash(token)).toMatch(/^[0-9a-f]{64}$/);
    });

    it('rotation: re-enrolling replaces the secret; revocation removes it', async () => {
      const first = redeemEnrollToken(store, createEnrollToken(store, 'gw1', { now: 0 }).token, 1);
      const second = redeemEnrollToken(store, createEnrollToken(store, 'gw1', { now: 0 }).token, 2);
      const rec = store.getCredential('gw1')?.secretHash ?? '';
      expect(await verifySecret(first.password, rec)).toBe(false);
      expect(await verifySecret(second.password, rec)).toBe(true);
      revokeCredentials(store, 'gw1');
      expect(store.getCredential('gw1')).toBeUndefined();
      expect(() => revokeCredentials(store, 'gw1')).toThrow(
        expect.objectContaining({ code: IdentityErrorCodes.NOT_ENROLLED }),
      );
    });

    it('two hashes of the same secret differ (salted)', () => {
      expect(hashSecret('s')).not.toBe(hashSecret('s'));
      expect(mosquittoHash('s')).not.toBe(mosquittoHash('s'));
    });

    it('keeps credentials and tokens across a reopen (persistent stores)', () => {
      if (!f.reopen) return;
      store.putCredential({ id: 'gw1', secretHash: 'a', mosquittoHash: 'm', issuedAt: 1 });
      store.addToken({ tokenHash: 'h', nodeId: 'gw2', expiresAt: 100 });
      store.close();
      store = f.reopen();
      expect(store.getCredential('gw1')?.secretHash).toBe('a');
      expect(store.consumeToken('h', 0)?.nodeId).toBe('gw2');
    });
  });
}
