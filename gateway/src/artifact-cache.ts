import { randomBytes } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ErrorCodes,
  MANIFEST_FILE,
  MAX_MANIFEST_BYTES,
  Manifest,
  sha256Hex,
  decode,
  errorMessage,
  isOutpostError,
  silentLogger,
  systemClock,
  type Clock,
  type Logger,
  type Transport,
} from '@outpost/protocol';
import { createArtifactFetcher, type VerifiedArtifactFile } from '@outpost/protocol/node';
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
  /**
   * How long a file's full sha256 check is trusted while its stat (device, inode, size, mtime,
   * ctime) stays the same; after that, or on any stat change, the next read hashes it again.
   */
  reverifyMs?: number;
}

export interface ArtifactCache {
  /** Makes sure the artifact is on disk and intact, fetching and verifying it if not. */
  ensure(artifactId: string): Promise<CachedArtifact>;
  /** True when the artifact is indexed and every file on disk matches its manifest. */
  has(artifactId: string): Promise<boolean>;
  /**
   * For `serveArtifacts`: manifest.json or a file the manifest lists, of a cached artifact only,
   * checked against its sha256 before it is served; a file that fails is fetched again from the
   * fleet first (undefined when the artifact is not cached).
   */
  serve(artifactId: string, file: string): Promise<VerifiedArtifactFile | undefined>;
  /** The bytes `serve` would send. */
  read(artifactId: string, file: string): Promise<Uint8Array | undefined>;
  /** How many upstream fetches were started (a gateway fetches each artifact once unless damaged). */
  readonly fetches: number;
}

const SHA256 = /^[0-9a-f]{64}$/;
export const DEFAULT_REVERIFY_MS = 60_000;

/** What a file is promised to be: the artifact id for manifest.json, its manifest entry otherwise. */
interface Expected {
  sha256: string;
  bytes?: number;
}

/**
 * The site's artifact cache (docs/ARCHITECTURE.md "Deploy: desired → reported": a gateway fetches
 * each artifact once and serves all its devices): `<dataDir>/artifacts/<artifactId>/` holds
 * manifest.json and the files it lists. Nothing on disk is trusted by its size alone: manifest.json
 * must hash to the artifact id and every file to its manifest entry. A full hash is remembered
 * with the file's stat identity taken before and after the read, and trusted while that identity
 * is unchanged and younger than `reverifyMs` (docs/SECURITY.md "Gateway cache"; the cost is
 * measured by bench/artifact-cache-verify.ts).
 */
export async function createArtifactCache(options: ArtifactCacheOptions): Promise<ArtifactCache> {
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? silentLogger).child({ component: 'artifact-cache' });
  const reverifyMs = options.reverifyMs ?? DEFAULT_REVERIFY_MS;
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
  /** What each cached artifact may serve, by file, read once from its verified manifest. */
  const servable = new Map<string, Map<string, Expected>>();
  /** Files whose full hash matched, by path: the stat identity at that time and when. */
  const verified = new Map<string, { identity: string; at: number }>();
  let fetches = 0;

  const dirOf = (artifactId: string): string => join(root, artifactId);

  /**
   * The file's bytes if they match `expected`, undefined if they do not (or it is missing). The
   * full sha256 is skipped only when the stat identity before and after the read equals the one
   * recorded at the last full check, and that check is recent.
   */
  async function verifiedBytes(path: string, expected: Expected): Promise<Buffer | undefined> {
    let fh;
    try {
      fh = await open(path, 'r');
    } catch {
      return undefined;
    }
    try {
      const before = identityOf(await fh.stat({ bigint: true }));
      const bytes = await fh.readFile();
      const after = identityOf(await fh.stat({ bigint: true }));
      const memo = verified.get(path);
      if (memo && memo.identity === before && before === after && clock.now() - memo.at < reverifyMs) return bytes;
      verified.delete(path);
      if (expected.bytes !== undefined && bytes.byteLength !== expected.bytes) return undefined;
      if (sha256Hex(bytes) !== expected.sha256) return undefined;
      if (before === after) verified.set(path, { identity: after, at: clock.now() });
      return bytes;
    } catch {
      return undefined;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** The manifest on disk if it is the artifact's and every listed file matches it; else undefined. */
  async function intactOnDisk(artifactId: string): Promise<Manifest | undefined> {
    const dir = dirOf(artifactId);
    const manifestBytes = await verifiedBytes(join(dir, MANIFEST_FILE), { sha256: artifactId });
    if (!manifestBytes) return undefined;
    let manifest: Manifest;
    try {
      manifest = decode(Manifest, manifestBytes, MANIFEST_FILE, MAX_MANIFEST_BYTES);
    } catch {
      return undefined;
    }
    for (const f of manifest.files) {
      if (!(await verifiedBytes(join(dir, f.path), { sha256: f.sha256, bytes: f.bytes }))) return undefined;
    }
    return manifest;
  }

  function remember(artifactId: string, manifest: Manifest): void {
    servable.set(
      artifactId,
      new Map<string, Expected>([
        [MANIFEST_FILE, { sha256: artifactId }],
        ...manifest.files.map((f): [string, Expected] => [f.path, { sha256: f.sha256, bytes: f.bytes }]),
      ]),
    );
  }

  async function has(artifactId: string): Promise<boolean> {
    if (!SHA256.test(artifactId) || !options.store.getArtifact(artifactId)) return false;
    const manifest = await intactOnDisk(artifactId);
    if (!manifest) return false;
    remember(artifactId, manifest);
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
    remember(artifactId, manifest);
    log.info({ artifactId, name: manifest.name, version: manifest.version }, 'artifact cached');
    return entry;
  }

  function ensure(artifactId: string): Promise<CachedArtifact> {
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
  }

  async function serve(artifactId: string, file: string): Promise<VerifiedArtifactFile | undefined> {
    if (!servable.has(artifactId) && !(await has(artifactId))) {
      // Indexed but damaged on disk: repaired below like a damaged file; not indexed: not ours.
      if (!SHA256.test(artifactId) || !options.store.getArtifact(artifactId)) return undefined;
      await repair(artifactId, file);
    }
    const expected = servable.get(artifactId)?.get(file);
    if (!expected) return undefined;
    const path = join(dirOf(artifactId), file);
    const bytes = await verifiedBytes(path, expected);
    if (bytes) return { bytes, sha256: expected.sha256 };
    await repair(artifactId, file);
    const again = await verifiedBytes(path, expected);
    if (!again) {
      throw gatewayError(
        GatewayErrorCodes.ARTIFACT_CACHE,
        `${file} of ${artifactId} fails its sha256 after a re-fetch`,
        {
          details: { artifactId, file },
        },
      );
    }
    return { bytes: again, sha256: expected.sha256 };
  }

  /**
   * A cached file failed its check: it is never served. The artifact is fetched again from the
   * fleet; the request waits for that when the fleet is connected, and is refused at once (the
   * fetch going on in the background) when it is not, so a device is not held until it times out.
   */
  async function repair(artifactId: string, file: string): Promise<void> {
    log.warn({ artifactId, file, code: ErrorCodes.HASH_MISMATCH }, 'cached artifact damaged; fetching it again');
    servable.delete(artifactId);
    const fetching = ensure(artifactId);
    if (options.upstream.connected) {
      await fetching;
      return;
    }
    fetching.catch(() => undefined); // logged by fetchAndStore; the reconcile loop retries too
    throw gatewayError(GatewayErrorCodes.ARTIFACT_CACHE, `${file} of ${artifactId} is damaged and the fleet is away`, {
      details: { artifactId, file },
    });
  }

  return {
    get fetches() {
      return fetches;
    },
    has,
    ensure,
    serve,
    async read(artifactId, file) {
      return (await serve(artifactId, file))?.bytes;
    },
  };
}

/** Changes on any write through the file system (ctime cannot be set from user space). */
function identityOf(s: BigIntStats): string {
  return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
}
