import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Manifest,
  artifactIdOf,
  manifestBytes,
  sha256Hex,
  signManifest,
  validate,
  type FileEntry,
  type SigningKeyPair,
  type UnsignedManifest,
} from '@outpost/protocol';

export interface ArtifactFile {
  path: string;
  role: FileEntry['role'];
  bytes: Uint8Array;
}

export function fileEntry(f: ArtifactFile): FileEntry {
  return { path: f.path, role: f.role, bytes: f.bytes.byteLength, sha256: sha256Hex(f.bytes) };
}

export interface WrittenArtifact {
  dir: string;
  manifest: Manifest;
  artifactId: string;
}

/**
 * Signs the manifest, validates it against the protocol schema, and writes the files plus
 * manifest.json into `<outRoot>/<name>/<version>/`. Files go to a temporary folder first and are
 * renamed into place, so a reader never sees a half-written version.
 */
export function writeArtifact(
  outRoot: string,
  unsigned: UnsignedManifest,
  files: readonly ArtifactFile[],
  keys: SigningKeyPair,
): WrittenArtifact {
  const manifest = validate(Manifest, signManifest(unsigned, keys), 'manifest');
  const json = manifestBytes(manifest);
  const parent = join(outRoot, manifest.name);
  const dir = join(parent, String(manifest.version));
  const tmp = join(parent, `.tmp-${manifest.version}-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  for (const f of files) writeFileSync(join(tmp, f.path), f.bytes);
  writeFileSync(join(tmp, 'manifest.json'), json);
  renameSync(tmp, dir);
  return { dir, manifest, artifactId: artifactIdOf(json) };
}
