import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOutpostError } from '@outpost/protocol';
import { ApiErrorCodes } from '../../src/errors.ts';
import type { Role } from '../../src/tokens/roles.ts';
import { tokenHash } from '../../src/tokens/token-secret.ts';
import type { OperatorTokenStore } from '../../src/tokens/token-store.ts';

export interface TokenStoreFactory {
  open(): OperatorTokenStore;
  /** Opens the same store again after close (persistent stores only). */
  reopen?(): OperatorTokenStore;
  /** Every stored byte of the store, to check no token is kept in clear (persistent stores only). */
  rawText?(): string;
  cleanup?(): void;
}

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return isOutpostError(err) ? err.code : 'not an OutpostError';
  }
  return undefined;
};

/** The OperatorTokenStore contract, run against every implementation. */
export function tokenStoreContract(
  label: string,
  factory: () => TokenStoreFactory,
  { persistent = false }: { persistent?: boolean } = {},
): void {
  describe(`OperatorTokenStore contract: ${label}`, () => {
    let f: TokenStoreFactory;
    let store: OperatorTokenStore;
    beforeEach(() => {
      f = factory();
      store = f.open();
    });
    afterEach(() => {
      store.close();
      f.cleanup?.();
    });

    it('creates distinct random tokens and verifies each to its own record', () => {
      const a = store.create({ name: 'alice', role: 'admin', at: '2025-01-01T00:00:00.000Z' });
      const b = store.create({ name: 'bob', role: 'viewer', at: '2025-01-01T00:00:01.000Z' });
      expect(a.token).not.toBe(b.token);
      expect(a.token.length).toBeGreaterThanOrEqual(40);
      expect(a.record).toEqual({
        id: a.record.id,
        name: 'alice',
        role: 'admin',
        createdAt: '2025-01-01T00:00:00.000Z',
      });
      expect(store.verify(a.token)).toEqual(a.record);
      expect(store.verify(b.token)?.name).toBe('bob');
      expect(store.verify(b.token)?.role).toBe('viewer');
      expect(store.verify(a.token + 'x')).toBeUndefined();
      expect(store.verify('')).toBeUndefined();
    });

    it('lists every token oldest first, without secrets or hashes', () => {
      const a = store.create({ name: 'alice', role: 'operator', at: '2025-01-01T00:00:00.000Z' });
      const b = store.create({ name: 'bob', role: 'viewer', at: '2025-01-02T00:00:00.000Z' });
      const list = store.list();
      expect(list.map((t) => t.name)).toEqual(['alice', 'bob']);
      const text = JSON.stringify(list);
      for (const secret of [a.token, b.token, tokenHash(a.token), tokenHash(b.token)])
        expect(text).not.toContain(secret);
    });

    it('revokes by id: the token is refused from then on, listed with its revocation time kept', () => {
      const a = store.create({ name: 'alice', role: 'admin', at: '2025-01-01T00:00:00.000Z' });
      const b = store.create({ name: 'bob', role: 'admin', at: '2025-01-01T00:00:00.000Z' });
      expect(store.revoke(a.record.id, '2025-01-03T00:00:00.000Z').revokedAt).toBe('2025-01-03T00:00:00.000Z');
      expect(store.verify(a.token)).toBeUndefined();
      expect(store.verify(b.token)?.name).toBe('bob');
      expect(store.revoke(a.record.id, '2025-01-04T00:00:00.000Z').revokedAt).toBe('2025-01-03T00:00:00.000Z');
      expect(store.list().find((t) => t.id === a.record.id)?.revokedAt).toBe('2025-01-03T00:00:00.000Z');
    });

    it('refuses to revoke an unknown id and to create an unknown role, with codes', () => {
      expect(codeOf(() => store.revoke('000000000000', '2025-01-01T00:00:00.000Z'))).toBe(
        ApiErrorCodes.TOKEN_NOT_FOUND,
      );
      expect(codeOf(() => store.create({ name: 'x', role: 'root' as Role, at: '2025-01-01T00:00:00.000Z' }))).toBe(
        ApiErrorCodes.TOKEN_ROLE_INVALID,
      );
    });

    if (!persistent) return;
    it('keeps tokens across a reopen, and never the token itself', () => {
      if (!f.reopen || !f.rawText) throw new Error('a persistent store factory needs reopen and rawText');
      const a = store.create({ name: 'alice', role: 'admin', at: '2025-01-01T00:00:00.000Z' });
      store.close();
      store = f.reopen();
      expect(store.verify(a.token)?.name).toBe('alice');
      expect(f.rawText()).not.toContain(a.token);
      expect(f.rawText()).not.toContain(a.token.slice(4));
    });
  });
}
