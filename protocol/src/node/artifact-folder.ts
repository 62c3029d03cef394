import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MAX_MANIFEST_BYTES, MANIFEST_FILE, type ArtifactBundle } from '../artifact.ts';
import { decode } from '../decode.ts';
import { ErrorCodes, OutpostError } from '../errors.ts';
import { Manifest } from '../schemas/manifest.ts';

/**
 * Reads an artifact folder as built by the trainer: manifest.json plus every file its manifest
 * lists. Files that are missing are left out for `verifyArtifact` to name; nothing is trusted until
 * it has verified the bundle. Throws OUTPOST_ERR_ARTIFACT_FOLDER_INVALID without a manifest.
 */
export function readArtifactFolder(dir: string): ArtifactBundle {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath) || !statSync(manifestPath).isFile())
    throw new OutpostError(ErrorCodes.ARTIFACT_FOLDER_INVALID, `${dir} has no ${MANIFEST_FILE}`, { details: { dir } });
  const manifestBytes = readFileSync(manifestPath);
  const manifest = decode(Manifest, manifestBytes, MANIFEST_FILE, MAX_MANIFEST_BYTES);
  const files = new Map<string, Uint8Array>();
  for (const entry of manifest.files) {
    const path = join(dir, entry.path); // entry.path is a plain file name (schema), so this stays inside dir
    if (existsSync(path) && statSync(path).isFile()) files.set(entry.path, readFileSync(path));
  }
  return { manifestBytes, files };
}
