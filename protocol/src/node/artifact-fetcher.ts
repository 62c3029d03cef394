import { randomUUID } from 'node:crypto';
import { verifyArtifact, MANIFEST_FILE, type ArtifactBundle } from '../artifact.ts';
import { decode, encode } from '../decode.ts';
import { ErrorCodes, OutpostError } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import { systemClock, silentLogger, type Clock, type Logger } from '../runtime.ts';
import {
  ArtifactChunkResponse,
  DEFAULT_CHUNK_BYTES,
  MAX_CHUNK_BYTES,
  type ArtifactChunk,
} from '../schemas/artifact-transfer.ts';
import type { Manifest } from '../schemas/manifest.ts';
import { topics, type NodeKind } from '../topics.ts';
import type { Transport } from '../transport.ts';

const { TRANSFER_TIMEOUT, TRANSFER_FAILED } = ErrorCodes;

export interface ArtifactFetcherOptions {
  transport: Transport;
  /** Who is asking: a gateway asks the fleet, a device asks its gateway. */
  kind: NodeKind;
  selfId: string;
  clock?: Clock;
  logger?: Logger;
  chunkBytes?: number;
  /** How long to wait for one chunk before asking again. */
  chunkTimeoutMs?: number;
  /** How many times one chunk is asked for before the transfer fails. */
  attempts?: number;
}

export interface ArtifactFetcher {
  /** Fetches and fully verifies an artifact (id, schema, signature, file hashes). */
  fetch(artifactId: string, publicKeyPem: string): Promise<{ manifest: Manifest; bundle: ArtifactBundle }>;
}

interface Pending {
  resolve: (chunk: ArtifactChunk) => void;
  reject: (err: OutpostError) => void;
}

/**
 * Pulls an artifact chunk by chunk over the transport (docs/ARCHITECTURE.md "Artifact transfer").
 * Each chunk is checked against its sha256 as it arrives and each file against the file's sha256
 * once complete; a lost request or reply is asked for again, so a broker restart mid-transfer
 * resumes from the missing chunk rather than from the start.
 */
export async function createArtifactFetcher(options: ArtifactFetcherOptions): Promise<ArtifactFetcher> {
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? silentLogger).child({ component: 'artifact-fetcher' });
  const chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES);
  const timeoutMs = options.chunkTimeoutMs ?? 5000;
  const attempts = options.attempts ?? 6;
  const pending = new Map<string, Pending>();
  const topicOf = (leaf: 'artifactRequest' | 'artifactChunk'): string =>
    options.kind === 'gateways' ? topics.gateway(options.selfId, leaf) : topics.device(options.selfId, leaf);

  await options.transport.route(topicOf('artifactChunk'), (_topic, payload) => {
    let msg: ArtifactChunkResponse;
    try {
      msg = decode(ArtifactChunkResponse, payload, 'artifact chunk', MAX_CHUNK_BYTES * 2);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'ignored invalid artifact chunk');
      return;
    }
    const p = pending.get(msg.requestId);
    if (!p) return; // a late reply to a request we already retried
    pending.delete(msg.requestId);
    if ('error' in msg)
      p.reject(new OutpostError(msg.error.code, msg.error.message, { details: { file: msg.file, index: msg.index } }));
    else p.resolve(msg);
  });

  function requestOnce(artifactId: string, file: string, index: number): Promise<ArtifactChunk> {
    const requestId = randomUUID();
    return new Promise<ArtifactChunk>((resolve, reject) => {
      const timer = clock.setTimeout(() => {
        pending.delete(requestId);
        reject(
          new OutpostError(TRANSFER_TIMEOUT, `no reply for chunk ${index} of ${file}`, {
            details: { artifactId, file, index },
          }),
        );
      }, timeoutMs);
      pending.set(requestId, {
        resolve: (c) => {
          clock.clearTimeout(timer);
          resolve(c);
        },
        reject: (e) => {
          clock.clearTimeout(timer);
          reject(e);
        },
      });
      options.transport
        .publish(topicOf('artifactRequest'), encode({ requestId, artifactId, file, index, chunkBytes }), { qos: 1 })
        .catch(() => {
          /* the timeout asks again */
        });
    });
  }

  async function requestChunk(artifactId: string, file: string, index: number): Promise<ArtifactChunk> {
    for (let attempt = 1; ; attempt++) {
      try {
        const chunk = await requestOnce(artifactId, file, index);
        const data = Buffer.from(chunk.data, 'base64');
        if (sha256Hex(data) !== chunk.chunkSha256) {
          throw new OutpostError(ErrorCodes.HASH_MISMATCH, `chunk ${index} of ${file} fails its sha256`, {
            details: { file, index },
          });
        }
        return chunk;
      } catch (err) {
        const retriable =
          err instanceof OutpostError && (err.code === TRANSFER_TIMEOUT || err.code === ErrorCodes.HASH_MISMATCH);
        if (!retriable || attempt >= attempts) throw err;
        log.debug({ file, index, attempt }, 'asking again for chunk');
      }
    }
  }

  async function fetchFile(artifactId: string, file: string): Promise<Buffer> {
    const first = await requestChunk(artifactId, file, 0);
    const parts: Buffer[] = [Buffer.from(first.data, 'base64')];
    for (let i = 1; i < first.totalChunks; i++) {
      const chunk = await requestChunk(artifactId, file, i);
      if (chunk.fileSha256 !== first.fileSha256) {
        throw new OutpostError(TRANSFER_FAILED, `${file} changed during the transfer`, {
          details: { artifactId, file },
        });
      }
      parts.push(Buffer.from(chunk.data, 'base64'));
    }
    const bytes = Buffer.concat(parts);
    if (bytes.byteLength !== first.totalBytes || sha256Hex(bytes) !== first.fileSha256) {
      throw new OutpostError(ErrorCodes.HASH_MISMATCH, `${file} fails its sha256 after transfer`, {
        details: { artifactId, file },
      });
    }
    return bytes;
  }

  return {
    async fetch(artifactId, publicKeyPem) {
      const manifestBytes = await fetchFile(artifactId, MANIFEST_FILE);
      const listed = decodeFileList(manifestBytes);
      const files = new Map<string, Uint8Array>();
      for (const path of listed) files.set(path, await fetchFile(artifactId, path));
      const bundle: ArtifactBundle = { manifestBytes, files };
      const manifest = verifyArtifact(bundle, publicKeyPem, artifactId);
      return { manifest, bundle };
    },
  };
}

/** The file paths a manifest lists, read before the full check so the files can be fetched. */
function decodeFileList(manifestBytes: Uint8Array): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(manifestBytes).toString('utf8'));
  } catch (cause) {
    throw new OutpostError(ErrorCodes.NOT_JSON, 'manifest.json: not JSON', { cause });
  }
  const files = (parsed as { files?: unknown }).files;
  if (!Array.isArray(files))
    throw new OutpostError(ErrorCodes.SCHEMA_INVALID, 'manifest.json: field files: missing', {
      details: { field: 'files' },
    });
  return files
    .map((f: unknown) => String((f as { path?: unknown }).path))
    .filter((p) => /^[A-Za-z0-9_.-]+$/.test(p) && p !== MANIFEST_FILE);
}
