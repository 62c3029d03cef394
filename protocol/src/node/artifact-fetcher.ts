import { randomUUID } from 'node:crypto';
import { backoffDelay } from '../backoff.ts';
import { verifyArtifact, MANIFEST_FILE, MAX_MANIFEST_BYTES, type ArtifactBundle } from '../artifact.ts';
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
import { Manifest } from '../schemas/manifest.ts';
import { verifyManifest } from '../signing.ts';
import { topics, type NodeKind } from '../topics.ts';
import type { Transport } from '../transport.ts';

const { TRANSFER_TIMEOUT } = ErrorCodes;

/**
 * True when a failed fetch says nothing about the artifact itself, only about this transfer: a
 * timeout, a reply that failed its checks (any sender on the broker can forge one), an error the
 * server answered with. Such a failure is retried later and never remembered against a revision.
 * The one permanent verdict is on a manifest that hashed to the artifact id (so it is the genuine
 * one) yet fails its schema or signature.
 */
export function isTransientTransferError(err: unknown): boolean {
  if (!(err instanceof OutpostError)) return false;
  return err.code === TRANSFER_TIMEOUT || err.code === ErrorCodes.TRANSFER_INVALID || err.details.transient === true;
}

export interface ArtifactFetcherOptions {
  transport: Transport;
  /** Who is asking: a gateway asks the fleet, a device asks its gateway. */
  kind: NodeKind;
  selfId: string;
  clock?: Clock;
  logger?: Logger;
  chunkBytes?: number;
  /**
   * How long to wait for one chunk before asking again, the first time (default 5 s). Each time-out
   * doubles it, up to `maxChunkTimeoutMs`, with jitter; the grown time-out is kept for the rest of
   * the transfer (docs/ARCHITECTURE.md "Artifact transfer").
   */
  chunkTimeoutMs?: number;
  /** The longest a chunk time-out grows to (default 60 s). */
  maxChunkTimeoutMs?: number;
  /** How many times one chunk is asked for before the transfer fails (default 6; busy refusals aside). */
  attempts?: number;
  /** How many busy refusals of one chunk are waited out before the transfer fails (default 30). */
  busyAttempts?: number;
  /** For the time-outs' jitter (default Math.random). */
  random?: () => number;
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
 * The sender is not trusted (docs/SECURITY.md "Artifact transfer"): the manifest is bounded by
 * MAX_MANIFEST_BYTES and must hash to the artifact id before it is parsed; every other file is
 * bounded by its manifest entry; each reply must answer the request it claims to (same file and
 * index, consistent totals, exact chunk length, matching sha256) before its bytes are kept. A lost
 * or invalid reply is asked for again, so a broker restart mid-transfer resumes from the missing
 * chunk rather than from the start.
 */
export async function createArtifactFetcher(options: ArtifactFetcherOptions): Promise<ArtifactFetcher> {
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? silentLogger).child({ component: 'artifact-fetcher' });
  const chunkBytes = Math.min(options.chunkBytes ?? DEFAULT_CHUNK_BYTES, MAX_CHUNK_BYTES);
  const timeoutRule = {
    baseMs: options.chunkTimeoutMs ?? 5000,
    capMs: Math.max(options.maxChunkTimeoutMs ?? 60_000, options.chunkTimeoutMs ?? 5000),
  };
  const random = options.random ?? Math.random;
  const attempts = options.attempts ?? 6;
  const busyAttempts = options.busyAttempts ?? 30;
  const pending = new Map<string, Pending>();
  const topicOf = (leaf: 'artifactRequest' | 'artifactChunk'): string =>
    options.kind === 'gateways' ? topics.gateway(options.selfId, leaf) : topics.device(options.selfId, leaf);

  // A reply carries at most one chunk of `chunkBytes` as base64, plus a few hundred bytes of fields.
  const maxReplyBytes = Math.ceil(chunkBytes / 3) * 4 + 4096;

  await options.transport.route(topicOf('artifactChunk'), (_topic, payload) => {
    let msg: ArtifactChunkResponse;
    try {
      msg = decode(ArtifactChunkResponse, payload, 'artifact chunk', maxReplyBytes);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'ignored invalid artifact chunk');
      return;
    }
    const p = pending.get(msg.requestId);
    if (!p) return; // a late reply to a request we already retried
    pending.delete(msg.requestId);
    if ('error' in msg)
      p.reject(
        new OutpostError(msg.error.code, msg.error.message.slice(0, 500), {
          details: {
            file: msg.file,
            index: msg.index,
            remote: true,
            transient: true,
            ...(msg.retryAfterMs !== undefined ? { retryAfterMs: msg.retryAfterMs } : {}),
          },
        }),
      );
    else p.resolve(msg);
  });

  function requestOnce(artifactId: string, file: string, index: number, timeoutMs: number): Promise<ArtifactChunk> {
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

  const sleep = (ms: number): Promise<void> => new Promise((resolve) => clock.setTimeout(resolve, ms));

  /**
   * One chunk, checked against the request and against what is known of the file before its
   * bytes are kept; a reply that fails is asked for again, up to `attempts` times. A time-out
   * grows the time-out (`transfer.timeouts`, kept for the transfer's later chunks); a busy refusal
   * (`retryAfterMs`) is waited out and asked again, up to `busyAttempts` times.
   */
  async function requestChunk(
    transfer: { timeouts: number },
    artifactId: string,
    file: string,
    index: number,
    expect: FileExpectation,
  ): Promise<{ chunk: ArtifactChunk; data: Buffer }> {
    let busy = 0;
    for (let attempt = 1; ;) {
      try {
        const chunk = await requestOnce(artifactId, file, index, backoffDelay(timeoutRule, transfer.timeouts, random));
        const data = checkChunk(chunk, artifactId, file, index, chunkBytes, expect);
        return { chunk, data };
      } catch (err) {
        const retryAfterMs = err instanceof OutpostError ? err.details.retryAfterMs : undefined;
        if (typeof retryAfterMs === 'number' && ++busy <= busyAttempts) {
          log.debug({ file, index, retryAfterMs, code: (err as OutpostError).code }, 'server busy; waiting');
          await sleep(retryAfterMs);
          continue;
        }
        const retriable =
          err instanceof OutpostError &&
          (err.code === TRANSFER_TIMEOUT ||
            err.code === ErrorCodes.HASH_MISMATCH ||
            err.code === ErrorCodes.TRANSFER_INVALID);
        if (!retriable || attempt >= attempts) throw transient(err);
        if (err.code === TRANSFER_TIMEOUT) transfer.timeouts++;
        attempt++;
        log.debug({ file, index, attempt, code: err.code }, 'asking again for chunk');
      }
    }
  }

  /**
   * A whole file, never larger than `expect.maxBytes`: the first reply fixes the size, chunk count
   * and sha256 (each checked against what the caller already knows), every later reply must agree,
   * and the bytes go into one buffer of that bounded size.
   */
  async function fetchFile(
    transfer: { timeouts: number },
    artifactId: string,
    file: string,
    expect: FileExpectation,
  ): Promise<Buffer> {
    const first = await requestChunk(transfer, artifactId, file, 0, expect);
    const { totalBytes, totalChunks, fileSha256 } = first.chunk;
    const known: FileExpectation = { maxBytes: totalBytes, bytes: totalBytes, sha256: fileSha256 };
    const bytes = Buffer.alloc(totalBytes);
    first.data.copy(bytes, 0);
    for (let i = 1; i < totalChunks; i++) {
      const { data } = await requestChunk(transfer, artifactId, file, i, known);
      data.copy(bytes, i * chunkBytes);
    }
    if (sha256Hex(bytes) !== fileSha256) {
      throw new OutpostError(ErrorCodes.HASH_MISMATCH, `${file} fails its sha256 after transfer`, {
        details: { artifactId, file, transient: true },
      });
    }
    return bytes;
  }

  return {
    async fetch(artifactId, publicKeyPem) {
      // The manifest's sha256 is the artifact id: it is checked on every chunk and on the whole
      // before a byte of it is parsed, so only the genuine manifest is ever read.
      const transfer = { timeouts: 0 };
      const manifestBytes = await fetchFile(transfer, artifactId, MANIFEST_FILE, {
        maxBytes: MAX_MANIFEST_BYTES,
        sha256: artifactId,
      });
      const manifest = decode(Manifest, manifestBytes, MANIFEST_FILE, MAX_MANIFEST_BYTES);
      verifyManifest(manifest, publicKeyPem);
      const files = new Map<string, Uint8Array>();
      for (const entry of manifest.files) {
        if (entry.path === MANIFEST_FILE) continue;
        files.set(
          entry.path,
          await fetchFile(transfer, artifactId, entry.path, {
            maxBytes: entry.bytes,
            bytes: entry.bytes,
            sha256: entry.sha256,
          }),
        );
      }
      const bundle: ArtifactBundle = { manifestBytes, files };
      return { manifest: verifyArtifact(bundle, publicKeyPem, artifactId), bundle };
    },
  };
}

/** What is known of a file before its chunks arrive: a size bound, and its size and sha256 if known. */
interface FileExpectation {
  maxBytes: number;
  bytes?: number;
  sha256?: string;
}

function invalid(message: string, details: Record<string, unknown>): OutpostError {
  return new OutpostError(ErrorCodes.TRANSFER_INVALID, message, { details: { ...details, transient: true } });
}

/** The error marked transient: whatever a reply made fail is about this transfer, not the artifact. */
function transient(err: unknown): unknown {
  if (!(err instanceof OutpostError) || err.details.transient === true) return err;
  return new OutpostError(err.code, err.message, { cause: err.cause, details: { ...err.details, transient: true } });
}

/** The chunk's bytes once the reply agrees with the request and the expectation; throws otherwise. */
function checkChunk(
  chunk: ArtifactChunk,
  artifactId: string,
  file: string,
  index: number,
  chunkBytes: number,
  expect: FileExpectation,
): Buffer {
  const where = { artifactId, file, index };
  if (chunk.artifactId !== artifactId || chunk.file !== file || chunk.index !== index)
    throw invalid(`reply is for ${chunk.file} chunk ${chunk.index}, not ${file} chunk ${index}`, where);
  if (chunk.totalBytes > expect.maxBytes || (expect.bytes !== undefined && chunk.totalBytes !== expect.bytes))
    throw invalid(`${file} claims ${chunk.totalBytes} bytes (at most ${expect.maxBytes})`, {
      ...where,
      totalBytes: chunk.totalBytes,
    });
  const wantChunks = Math.max(1, Math.ceil(chunk.totalBytes / chunkBytes));
  if (chunk.totalChunks !== wantChunks || index >= wantChunks)
    throw invalid(`${file} claims ${chunk.totalChunks} chunks of ${chunkBytes} bytes for ${chunk.totalBytes} bytes`, {
      ...where,
      totalChunks: chunk.totalChunks,
    });
  if (expect.sha256 !== undefined && chunk.fileSha256 !== expect.sha256)
    throw new OutpostError(ErrorCodes.HASH_MISMATCH, `${file} is announced with another sha256`, {
      details: { ...where, transient: true },
    });
  const wantLength = Math.min(chunkBytes, chunk.totalBytes - index * chunkBytes);
  // Base64 length is checked before decoding, so an oversized string is never turned into bytes.
  if (chunk.data.length !== Math.ceil(wantLength / 3) * 4)
    throw invalid(`chunk ${index} of ${file} is not ${wantLength} bytes`, where);
  const data = Buffer.from(chunk.data, 'base64');
  if (data.byteLength !== wantLength) throw invalid(`chunk ${index} of ${file} is not ${wantLength} bytes`, where);
  if (sha256Hex(data) !== chunk.chunkSha256)
    throw new OutpostError(ErrorCodes.HASH_MISMATCH, `chunk ${index} of ${file} fails its sha256`, {
      details: { ...where, transient: true },
    });
  return data;
}
