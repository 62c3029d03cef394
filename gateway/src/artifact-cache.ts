import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  MANIFEST_FILE,
  Manifest,
  decode,
  errorMessage,
  isOutpostError,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
  type Transport,
} from '@outpost/protocol';
import { createArtifactFetcher } from '@outpost/protocol/node';
import { GatewayErrorCodes, gatewayError } from './errors.ts';
import type { CachedArtifact, GatewayStore } from './store/gateway-store.ts';

export const ARTIFACTS_DIR = 'artifacts';

export interface ArtifactCacheOptions {
  dataDir: string;
  store: GatewayStore;
  /** The upstream (fleet) transport the artifacts are fetched over. */
  upstream: Transport;
  gatewayId: string;
  publicKeyPem: string;
  clock?: Clock;
  logger?: Logger;
  chunkTimeoutMs?: number;
}

export interface ArtifactCache {
  /** Makes sure the artifact is on disk, fetching and verifying it once if not. */
  ensure(artifactId: string): Promise<CachedArtifact>;
  /** True when the artifact is indexed and its files are on disk. */
  has(artifactId: string): Promise<boolean>;
  /** For `serveArtifacts`: manifest.json or a file the manifest lists, of a cached artifact only. */
  read(artifactId: string, file: string): Promise<Uint8Array | undefined>;
  /** How many upstream fetches were started (a gateway fetches each artifact once). */
  readonly fetches: number;
}

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The site's artifact cache (DESIGN.md §3 "a gateway fetches each artifact once and serves all its
 * devices"): `<dataDir>/artifacts/<artifactId>/` holds manifest.json and the files it lists.
 */
export async function createArtifactCache(options: ArtifactCacheOptions): Promise<ArtifactCache> {
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? silentLogger).child({ component: 'artifact-cache' });
  const root = join(options.dataDir, ARTIFACTS_DIR);
  await mkdir(root, { recursive: true });
  // Registers its chunk route on the upstream transport: done before the transport starts.
  const fetcher = await createArtifactFetcher({
    transport: options.upstream,
    kind: 'gateways',
    selfId: options.gatewayId,
    clock,
    logger: options.logger,
    ...(options.chunkTimeoutMs !== undefined ? { chunkTimeoutMs: options.chunkTimeoutMs } : {}),
  });
  const inFlight = new Map<string, Promise<CachedArtifact>>();
  /** The files each cached artifact may serve, read once from its manifest. */
  const servable = new Map<string, Set<string>>();
  let fetches = 0;

  const dirOf = (artifactId: string): string => join(root, artifactId);

  /** The manifest on disk, or undefined when it or any listed file is missing or the wrong size. */
  async function manifestOnDisk(artifactId: string): Promise<Manifest | undefined> {
    try {
      const dir = dirOf(artifactId);
      const manifest = decode(Manifest, await readFile(join(dir, MANIFEST_FILE)), MANIFEST_FILE, 4 * 1024 * 1024);
      for (const f of manifest.files) {
        const s = await stat(join(dir, f.path));
        if (s.size !== f.bytes) return undefined;
      }
      return manifest;
    } catch {
      return undefined;
    }
  }

  async function has(artifactId: string): Promise<boolean> {
    if (!SHA256.test(artifactId) || !options.store.getArtifact(artifactId)) return false;
    const manifest = await manifestOnDisk(artifactId);
    if (!manifest) return false;
    servable.set(artifactId, new Set([MANIFEST_FILE, ...manifest.files.map((f) => f.path)]));
    return true;
  }

  async function fetchAndStore(artifactId: string): Promise<CachedArtifact> {
    fetches++;
    log.info({ artifactId }, 'fetching artifact');
    let fetched: Awaited<ReturnType<typeof fetcher.fetch>>;
    try {
      fetched = await fetcher.fetch(artifactId, options.publicKeyPem);
    } catch (err) {
      log.warn({ artifactId, err: errorMessage(err) }, 'artifact fetch failed');
      throw isOutpostError(err)
        ? err
        : gatewayError(GatewayErrorCodes.ARTIFACT_CACHE, `fetching ${artifactId}: ${errorMessage(err)}`, {
            cause: err,
          });
    }
    const { manifest, bundle } = fetched;
    // Atomic on disk: write a temporary folder, then rename it into place, so a crash never
    // leaves a half-written artifact under its real name.
    const final = dirOf(artifactId);
    const tmp = join(root, `.tmp-${artifactId}-${randomBytes(4).toString('hex')}`);
    try {
      await mkdir(tmp, { recursive: true });
      await writeFile(join(tmp, MANIFEST_FILE), bundle.manifestBytes);
      for (const [path, bytes] of bundle.files) await writeFile(join(tmp, path), bytes);
      await rm(final, { recursive: true, force: true });
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw gatewayError(GatewayErrorCodes.ARTIFACT_CACHE, `writing ${artifactId}: ${errorMessage(err)}`, {
        cause: err,
      });
    }
    const entry: CachedArtifact = {
      artifactId,
      name: manifest.name,
      version: manifest.version,
      fetchedAt: clock.now(),
    };
    options.store.putArtifact(entry);
    servable.set(artifactId, new Set([MANIFEST_FILE, ...manifest.files.map((f) => f.path)]));
    log.info({ artifactId, name: manifest.name, version: manifest.version }, 'artifact cached');
    return entry;
  }

  return {
    get fetches() {
      return fetches;
    },
    has,
    ensure(artifactId) {
      const running = inFlight.get(artifactId);
      if (running) return running;
      const p = (async () => {
        if (!SHA256.test(artifactId)) {
          throw gatewayError(GatewayErrorCodes.ARTIFACT_CACHE, `not an artifact id: ${artifactId}`, {
            details: { artifactId },
          });
        }
        const cached = options.store.getArtifact(artifactId);
        if (cached && (await has(artifactId))) return cached;
        return fetchAndStore(artifactId);
      })().finally(() => inFlight.delete(artifactId));
      inFlight.set(artifactId, p);
      return p;
    },
    async read(artifactId, file) {
      let files = servable.get(artifactId);
      if (!files) {
        if (!(await has(artifactId))) return undefined;
        files = servable.get(artifactId);
      }
      if (!files?.has(file)) return undefined;
      try {
        return await readFile(join(dirOf(artifactId), file));
      } catch {
        return undefined;
      }
    },
  };
}
