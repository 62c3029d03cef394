import { createHash, pbkdf2Sync, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/**
 * How node secrets and enrolment tokens are kept (docs/SECURITY.md "Identity"): never in clear.
 * A secret is stored as a salted scrypt hash (what the embedded brokers verify) and as a salted
 * PBKDF2-SHA512 hash in mosquitto's `$7$` format (what `outpost acl mosquitto` writes to a
 * password file for an external broker). An enrolment token is 32 random bytes, kept as its
 * sha256: it is high-entropy, single-use and short-lived, so a salt adds nothing.
 */
const SCRYPT = { N: 16_384, r: 8, p: 1, keylen: 32 } as const;
const SCRYPT_PREFIX = 'scrypt';

/** A new random secret or token: 32 bytes, base64url. */
export function randomSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>`. */
export function hashSecret(secret: string): string {
  const salt = randomBytes(16);
  const hash = scryptSync(secret, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return [SCRYPT_PREFIX, SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Checks a secret against a `hashSecret` string, off the event loop; false for any malformed hash. */
export function verifySecret(secret: string | Buffer, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== SCRYPT_PREFIX) return Promise.resolve(false);
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] as string, 'base64');
  const expected = Buffer.from(parts[5] as string, 'base64');
  if (![N, r, p].every((n) => Number.isSafeInteger(n) && n > 0) || expected.length === 0) return Promise.resolve(false);
  return new Promise((resolve) => {
    scrypt(secret, salt, expected.length, { N, r, p, maxmem: 64 * 1024 * 1024 }, (err, got) => {
      resolve(!err && got.length === expected.length && timingSafeEqual(got, expected));
    });
  });
}

/** mosquitto_passwd's default: PBKDF2-SHA512, 101 iterations, 12-byte salt, 64-byte hash. */
const MOSQUITTO = { iterations: 101, saltBytes: 12, keylen: 64 } as const;

/** A mosquitto password-file hash: `$7$<iterations>$<salt b64>$<hash b64>`. */
export function mosquittoHash(secret: string): string {
  const salt = randomBytes(MOSQUITTO.saltBytes);
  const hash = pbkdf2Sync(secret, salt, MOSQUITTO.iterations, MOSQUITTO.keylen, 'sha512');
  return `$7$${MOSQUITTO.iterations}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** The stored form of an enrolment token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
