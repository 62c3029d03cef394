import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MANIFEST_FILE, artifactIdOf, verifyArtifact, type ArtifactBundle, type Clock } from '@outpost/protocol';
import { readArtifactFolder } from '@outpost/protocol/node';
import { FleetErrorCodes, fleetError } from './errors.ts';
import type { FleetStore } from './store/fleet-store.ts';

export interface RegistryDeps {
  store: FleetStore;
  dataDir: string;
  publicKeyPem: string;
  clock: Clock;
}

export interface RegisteredArtifact {
  artifactId: string;
  name: string;
  version: number;
}

/** Where the fleet keeps an artifact's files: `<dataDir>/artifacts/<artifactId>/`. */
export function artifactDir(dataDir: string, artifactId: string): string {
  return join(dataDir, 'artifacts', artifactId);
}

/**
 * Registers a signed artifact (docs/ARCHITECTURE.md "Artifact"): verifies id, schema, signature
 * and every file hash, refuses a (name, version) already taken by another artifact
 * (OUTPOST_ERR_VERSION_EXISTS), is idempotent for the same artifact, copies the verified bytes to
 * `<dataDir>/artifacts/<artifactId>/` and records it. Works offline (no broker needed).
 */
export function registerArtifact(deps: RegistryDeps, dir: string): RegisteredArtifact {
  const bundle = readArtifactFolder(dir);
  const manifest = verifyArtifact(bundle, deps.publicKeyPem);
  const artifactId = artifactIdOf(bundle.manifestBytes);
  const result = { artifactId, name: manifest.name, version: manifest.version };

  const taken = deps.store.findArtifact(manifest.name, manifest.version);
  if (taken && taken.artifactId !== artifactId) {
    throw fleetError(
      FleetErrorCodes.VERSION_EXISTS,
      `${manifest.name} v${manifest.version} is already registered as ${taken.artifactId}`,
      {
        name: manifest.name,
        version: manifest.version,
        artifactId: taken.artifactId,
      },
    );
  }

  const target = artifactDir(deps.dataDir, artifactId);
  if (!existsSync(join(target, MANIFEST_FILE))) writeBundle(target, bundle);
  if (!taken) {
    deps.store.putArtifact({
      ...result,
      manifest,
      dir: target,
      registeredAt: new Date(deps.clock.now()).toISOString(),
    });
  }
  return result;
}

/** Writes the verified bytes (not a second read of the source) into a temp folder, then renames it into place. */
function writeBundle(target: string, bundle: ArtifactBundle): void {
  const tmp = `${target}.tmp-${process.pid}-${Date.now()}`;
  rmSync(target, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    writeFileSync(join(tmp, MANIFEST_FILE), bundle.manifestBytes);
    for (const [path, bytes] of bundle.files) writeFileSync(join(tmp, path), bytes);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Which gateway may download which artifact from the fleet (docs/SECURITY.md "Artifact transfer"):
 * only the artifacts of that gateway's stored desired state (assigned or in shadow). The gateway id is the one in the
 * request's topic.
 */
export function gatewayArtifactPolicy(
  store: Pick<FleetStore, 'getDesired'>,
): (gatewayId: string, artifactId: string) => boolean /* an ArtifactFetchPolicy */ {
  return (gatewayId, artifactId) => {
    const desired = store.getDesired(gatewayId);
    // Assigned models, and shadow candidates (docs/DEVICE.md "Shadow mode").
    return [...(desired?.models ?? []), ...(desired?.shadow ?? [])].some((m) => m.artifactId === artifactId);
  };
}

/**
 * The artifact server's reader: answers only for registered artifact ids and only for
 * manifest.json or a file the manifest lists; anything else is "not here" (undefined).
 */
export function createArtifactReader(
  store: FleetStore,
  dataDir: string,
): (artifactId: string, file: string) => Promise<Uint8Array | undefined> /* an ArtifactFileReader */ {
  return async (artifactId, file) => {
    const record = store.getArtifact(artifactId);
    if (!record) return undefined;
    if (file !== MANIFEST_FILE && !record.manifest.files.some((f) => f.path === file)) return undefined;
    try {
      return await readFile(join(artifactDir(dataDir, artifactId), file));
    } catch {
      return undefined;
    }
  };
}
