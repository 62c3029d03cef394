import { createHash, randomBytes } from 'node:crypto';

/** Every operator token starts with this, so one pasted in the wrong place is recognisable (and scannable). */
export const TOKEN_PREFIX = 'opt_';

/** A new operator token: the prefix and 32 random bytes, base64url (256 bits). */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** What the store keeps of a token: its sha256, hex. The token itself is shown once and never stored. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A token's public id: random, short, safe to print and log (revoke and list use it). */
export function newTokenId(): string {
  return randomBytes(6).toString('hex');
}
