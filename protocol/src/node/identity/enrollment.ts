import { z } from 'zod';
import { assertId } from '../../ids.ts';
import { OutpostError } from '../../outpost-error.ts';
import type { CredentialStore } from './credential-store.ts';
import { IdentityErrorCodes } from './errors.ts';
import { hashSecret, mosquittoHash, randomSecret, tokenHash } from './secret-hash.ts';

/** How long an enrolment token is valid unless the operator says otherwise. */
export const DEFAULT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

/** The enrol request body: the one-time token the operator handed out. */
export const EnrollRequest = z.object({ token: z.string().min(1).max(256) }).strict();
export type EnrollRequest = z.infer<typeof EnrollRequest>;

/** The enrol reply: the node's credentials and, when the fleet has one, its intent public key. */
export const EnrollReply = z
  .object({
    id: z.string(),
    username: z.string(),
    password: z.string().min(16),
    fleetKeyPem: z.string().optional(),
  })
  .strict();
export type EnrollReply = z.infer<typeof EnrollReply>;

/**
 * Creates a one-time enrolment token for `nodeId` (docs/SECURITY.md "Identity"). Only its hash is
 * stored; the token itself is returned once, for the operator to hand to the node.
 */
export function createEnrollToken(
  store: CredentialStore,
  nodeId: string,
  opts: { now: number; ttlMs?: number; kind?: string },
): { token: string; expiresAt: number } {
  assertId(opts.kind ?? 'node', nodeId);
  const token = randomSecret();
  const expiresAt = opts.now + (opts.ttlMs ?? DEFAULT_TOKEN_TTL_MS);
  store.pruneTokens(opts.now);
  store.addToken({ tokenHash: tokenHash(token), nodeId, expiresAt });
  return { token, expiresAt };
}

/**
 * Issues credentials for a fresh random secret (enrolment, or a re-enrolment that rotates the
 * secret): stores its hashes, returns the secret once.
 */
export function issueCredentials(
  store: CredentialStore,
  nodeId: string,
  now: number,
): { username: string; password: string } {
  const password = randomSecret();
  store.putCredential({
    id: nodeId,
    secretHash: hashSecret(password),
    mosquittoHash: mosquittoHash(password),
    issuedAt: now,
  });
  return { username: nodeId, password };
}

/**
 * Redeems a token: consumes it (single use) and issues credentials for the node it names,
 * replacing any it had. OUTPOST_ERR_ENROLL_TOKEN_INVALID when the token is unknown, used or expired.
 */
export function redeemEnrollToken(
  store: CredentialStore,
  token: string,
  now: number,
): { id: string; username: string; password: string } {
  const record = store.consumeToken(tokenHash(token), now);
  if (!record)
    throw new OutpostError(IdentityErrorCodes.ENROLL_TOKEN_INVALID, 'the enrolment token is unknown, used or expired');
  return { id: record.nodeId, ...issueCredentials(store, record.nodeId, now) };
}

/** Removes a node's credentials (revocation). OUTPOST_ERR_NOT_ENROLLED when it had none. */
export function revokeCredentials(store: CredentialStore, nodeId: string): void {
  if (!store.removeCredential(nodeId))
    throw new OutpostError(IdentityErrorCodes.NOT_ENROLLED, `${nodeId} has no credentials`, {
      details: { id: nodeId },
    });
}
