import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import { ErrorCodes, OutpostError } from './errors.ts';
import { sha256Hex } from './hash.ts';
import type { Manifest, Signature, UnsignedManifest } from './schemas/manifest.ts';
import type { DesiredState } from './schemas/state.ts';

/** An ed25519 key pair as PEM strings (PKCS#8 private, SPKI public). */
export interface SigningKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateSigningKeyPair(): SigningKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

function publicKeyOf(pem: string): KeyObject {
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`key type ${key.asymmetricKeyType ?? 'unknown'}`);
    return key;
  } catch (cause) {
    throw new OutpostError(ErrorCodes.KEY_INVALID, 'not an ed25519 public key', { cause });
  }
}

/** Short, stable id of a public key: the first 16 hex digits of sha256 over its DER. */
export function keyId(publicKeyPem: string): string {
  const der = publicKeyOf(publicKeyPem).export({ type: 'spki', format: 'der' });
  return sha256Hex(der).slice(0, 16);
}

/** The bytes a manifest signature covers: canonical JSON of the manifest without `signature`. */
export function manifestSigningBytes(manifest: UnsignedManifest | Manifest): Buffer {
  const { signature: _omit, ...rest } = manifest as Manifest;
  return Buffer.from(canonicalJson(rest));
}

export function signManifest(manifest: UnsignedManifest, keys: SigningKeyPair): Manifest {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keys.privateKeyPem);
  } catch (cause) {
    throw new OutpostError(ErrorCodes.KEY_INVALID, 'not an ed25519 private key', { cause });
  }
  const value = sign(null, manifestSigningBytes(manifest), privateKey).toString('base64');
  const signature: Signature = { alg: 'ed25519', keyId: keyId(keys.publicKeyPem), value };
  return { ...manifest, signature };
}

/** Throws OUTPOST_ERR_SIGNATURE_MISSING / OUTPOST_ERR_SIGNATURE_INVALID unless the pinned key signed it. */
export function verifyManifest(manifest: Manifest, publicKeyPem: string): void {
  const sig = manifest.signature;
  if (!sig)
    throw new OutpostError(
      ErrorCodes.SIGNATURE_MISSING,
      `manifest ${manifest.name} v${manifest.version} is not signed`,
    );
  const key = publicKeyOf(publicKeyPem);
  // The key id sits outside the signed bytes: it must name the pinned key, or anyone could change it.
  const ok =
    sig.keyId === keyId(publicKeyPem) &&
    canonicalBase64(sig.value) &&
    verify(null, manifestSigningBytes(manifest), key, Buffer.from(sig.value, 'base64'));
  if (!ok) {
    throw new OutpostError(
      ErrorCodes.SIGNATURE_INVALID,
      `signature of ${manifest.name} v${manifest.version} does not verify`,
      {
        details: { keyId: sig.keyId, expectedKeyId: keyId(publicKeyPem) },
      },
    );
  }
}

/** The bytes stored as manifest.json; their sha256 is the artifact id. */
export function manifestBytes(manifest: Manifest): Buffer {
  return Buffer.from(canonicalJson(manifest));
}

export function artifactIdOf(manifestJsonBytes: Uint8Array): string {
  return sha256Hex(manifestJsonBytes);
}

/** The bytes a desired state's signature covers: canonical JSON of the state without `signature`. */
export function desiredStateSigningBytes(state: DesiredState): Buffer {
  const { signature: _omit, ...rest } = state;
  return Buffer.from(canonicalJson(rest));
}

/** Signs a desired state (or rollback instruction) with the fleet's intent key (docs/SECURITY.md "Signed intent"). */
export function signDesiredState(state: DesiredState, keys: SigningKeyPair): DesiredState {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(keys.privateKeyPem);
  } catch (cause) {
    throw new OutpostError(ErrorCodes.KEY_INVALID, 'not an ed25519 private key', { cause });
  }
  const { signature: _old, ...unsigned } = state;
  const value = sign(null, desiredStateSigningBytes(unsigned), privateKey).toString('base64');
  return { ...unsigned, signature: { alg: 'ed25519', keyId: keyId(keys.publicKeyPem), value } };
}

/** Throws OUTPOST_ERR_SIGNATURE_MISSING / OUTPOST_ERR_SIGNATURE_INVALID unless the fleet's intent key signed it. */
export function verifyDesiredState(state: DesiredState, publicKeyPem: string): void {
  const sig = state.signature;
  if (!sig) {
    throw new OutpostError(
      ErrorCodes.SIGNATURE_MISSING,
      `desired state for ${state.target} r${state.revision} is not signed`,
      {
        details: { target: state.target, revision: state.revision },
      },
    );
  }
  const key = publicKeyOf(publicKeyPem);
  let ok = false;
  try {
    // The key id sits outside the signed bytes: it must name the pinned key.
    ok =
      sig.keyId === keyId(publicKeyPem) &&
      canonicalBase64(sig.value) &&
      verify(null, desiredStateSigningBytes(state), key, Buffer.from(sig.value, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new OutpostError(
      ErrorCodes.SIGNATURE_INVALID,
      `signature of the desired state for ${state.target} r${state.revision} does not verify`,
      { details: { keyId: sig.keyId, expectedKeyId: keyId(publicKeyPem) } },
    );
  }
}

/** Node's base64 decoder skips stray characters: only the one canonical spelling of a signature is accepted. */
function canonicalBase64(value: string): boolean {
  return Buffer.from(value, 'base64').toString('base64') === value;
}
