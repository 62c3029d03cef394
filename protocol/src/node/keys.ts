import { createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, OutpostError } from '../errors.ts';
import { generateSigningKeyPair, keyId, type SigningKeyPair } from '../signing.ts';

export const PRIVATE_KEY_FILE = 'signing.key';
export const PUBLIC_KEY_FILE = 'signing.pub';

/**
 * Reads the ed25519 signing key pair (PEM) from `dir`, or creates it there (private key mode 0600).
 * A missing public key is re-derived from the private one; a public key without its private key is
 * an error (OUTPOST_ERR_KEY_INVALID) rather than being silently replaced.
 */
export function loadOrCreateKeyPair(dir: string): SigningKeyPair {
  const privPath = join(dir, PRIVATE_KEY_FILE);
  const pubPath = join(dir, PUBLIC_KEY_FILE);
  if (existsSync(privPath)) {
    const privateKeyPem = readFileSync(privPath, 'utf8');
    if (!existsSync(pubPath)) writeFileSync(pubPath, derivePublicPem(privateKeyPem), { mode: 0o644 });
    const keys = { privateKeyPem, publicKeyPem: readFileSync(pubPath, 'utf8') };
    keyId(keys.publicKeyPem); // validates the public key early
    return keys;
  }
  if (existsSync(pubPath)) {
    throw new OutpostError(
      ErrorCodes.KEY_INVALID,
      `${pubPath} exists but ${privPath} does not; refusing to replace the key`,
      { details: { dir } },
    );
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const keys = generateSigningKeyPair();
  writeFileSync(privPath, keys.privateKeyPem, { mode: 0o600 });
  chmodSync(privPath, 0o600); // the umask may have narrowed or the mode been ignored
  writeFileSync(pubPath, keys.publicKeyPem, { mode: 0o644 });
  return keys;
}

function derivePublicPem(privateKeyPem: string): string {
  try {
    return createPublicKey(createPrivateKey(privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
  } catch (cause) {
    throw new OutpostError(ErrorCodes.KEY_INVALID, 'the signing key file is not a private key', { cause });
  }
}
