import { decode } from './decode.ts';
import { ErrorCodes, OutpostError } from './errors.ts';
import { sha256Hex } from './hash.ts';
import { Manifest } from './schemas/manifest.ts';
import { verifyManifest } from './signing.ts';

export const MANIFEST_FILE = 'manifest.json';
/** Manifests are small; a larger one is refused before parsing. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/** An artifact's bytes: the manifest.json bytes and every file it lists, by path. */
export interface ArtifactBundle {
  manifestBytes: Uint8Array;
  files: ReadonlyMap<string, Uint8Array>;
}

/**
 * The whole check every tier makes before trusting an artifact (docs/ARCHITECTURE.md "Artifact"):
 * the manifest's bytes hash to the artifact id, the manifest passes its schema,
 * its signature verifies against the pinned key, and every listed file has its promised size and
 * sha256. Throws a coded OutpostError on the first failure.
 */
export function verifyArtifact(bundle: ArtifactBundle, publicKeyPem: string, expectedArtifactId?: string): Manifest {
  const id = sha256Hex(bundle.manifestBytes);
  if (expectedArtifactId !== undefined && id !== expectedArtifactId) {
    throw new OutpostError(ErrorCodes.HASH_MISMATCH, `manifest hashes to ${id}, expected ${expectedArtifactId}`, {
      details: { file: MANIFEST_FILE, expected: expectedArtifactId, actual: id },
    });
  }
  const manifest = decode(Manifest, bundle.manifestBytes, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  verifyManifest(manifest, publicKeyPem);
  for (const entry of manifest.files) {
    const bytes = bundle.files.get(entry.path);
    if (!bytes) {
      throw new OutpostError(ErrorCodes.HASH_MISMATCH, `artifact file ${entry.path} is missing`, {
        details: { file: entry.path },
      });
    }
    const actual = sha256Hex(bytes);
    if (bytes.byteLength !== entry.bytes || actual !== entry.sha256) {
      throw new OutpostError(
        ErrorCodes.HASH_MISMATCH,
        `artifact file ${entry.path} does not match its manifest entry`,
        {
          details: { file: entry.path, expected: entry.sha256, actual, bytes: bytes.byteLength },
        },
      );
    }
  }
  return manifest;
}

/** The path of the file with a role ('model' first, then 'model-float'). */
export function modelFileOf(manifest: Manifest): string {
  const entry = manifest.files.find((f) => f.role === 'model') ?? manifest.files.find((f) => f.role === 'model-float');
  if (!entry)
    throw new OutpostError(ErrorCodes.SCHEMA_INVALID, 'manifest lists no model file', { details: { field: 'files' } });
  return entry.path;
}
