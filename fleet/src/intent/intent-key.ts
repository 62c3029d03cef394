import { join } from 'node:path';
import type { SigningKeyPair } from '@outpost/protocol';
import { PUBLIC_KEY_FILE, loadOrCreateKeyPair } from '@outpost/protocol/node';

/**
 * The fleet's intent key (docs/SECURITY.md "Signed intent"): an ed25519 pair the fleet signs desired
 * states and rollback instructions with. It lives in `<dataDir>/intent-key/` (private key 0600),
 * created at first start; it is not the release key that signs artifacts, which never sits here.
 */
export const INTENT_KEY_DIR = 'intent-key';

export function intentKeyDir(dataDir: string): string {
  return join(dataDir, INTENT_KEY_DIR);
}

/** The fleet's intent public key file; gateways and devices are given a copy as `fleet-key.pub`. */
export function intentPublicKeyPath(dataDir: string): string {
  return join(intentKeyDir(dataDir), PUBLIC_KEY_FILE);
}

export function loadIntentKey(dataDir: string): SigningKeyPair {
  return loadOrCreateKeyPair(intentKeyDir(dataDir));
}
