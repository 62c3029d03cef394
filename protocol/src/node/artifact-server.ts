import { decode, encode } from '../decode.ts';
import { ErrorCodes, OutpostError, errorMessage } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import { silentLogger, systemClock, type Clock, type Logger } from '../runtime.ts';
import { ArtifactChunkRequest, type ArtifactChunk, type ArtifactChunkError } from '../schemas/artifact-transfer.ts';
import { parseTopic, topics, type NodeKind } from '../topics.ts';
import type { Transport } from '../transport.ts';
import { createReplyLimiter, type ReplyLimiterStats } from './reply-limiter.ts';

export type { ReplyLimiterStats } from './reply-limiter.ts';

/** A file's bytes with the sha256 the reader has already checked them against. */
export interface VerifiedArtifactFile {
  bytes: Uint8Array;
  sha256: string;
}

/**
 * Reads one file of a stored artifact, or undefined when this server does not have it. A reader
 * that has verified the bytes (the gateway's cache) returns them with their sha256, so the server
 * need not hash the whole file again for every chunk.
 */
export type ArtifactFileReader = (
  artifactId: string,
  file: string,
) => Promise<Uint8Array | VerifiedArtifactFile | undefined>;

/**
 * Whether `askerId` (the node id in the request's topic) may download `artifactId`: the fleet
 * answers a gateway only for artifacts in that gateway's desired state, a gateway answers a
 * device only for artifacts in that device's. The asker's id comes from the topic today; once
 * brokers authenticate clients and bind them to their topics, the same policy applies unchanged.
 */
export type ArtifactFetchPolicy = (askerId: string, artifactId: string) => boolean | Promise<boolean>;

export interface ArtifactServerOptions {
  transport: Transport;
  /** Whose requests to answer: the fleet serves 'gateways', a gateway serves 'devices'. */
  kind: NodeKind;
  read: ArtifactFileReader;
  /**
   * Who may download what (docs/SECURITY.md "Artifact transfer"). The fleet and the gateway
   * always pass one; absent, every asker is answered (test servers only).
   */
  mayFetch?: ArtifactFetchPolicy;
  logger?: Logger;
  /** Called with every request that fails its schema, so the owner can dead-letter it. */
  onInvalid?: (topic: string, payload: Buffer, error: OutpostError) => void;
  /** Called after each chunk is sent, with the asker and the chunk's size in bytes (transfer counters). */
  onServed?: (askerId: string, artifactId: string, bytes: number) => void;
  /** How many replies may be in flight and queued (defaults: DEFAULT_ARTIFACT_FLOW). */
  flow?: ArtifactFlowOptions;
  /** For the busy log's rate limit (default: the system clock). */
  clock?: Clock;
}

/** How many chunk replies an artifact server has in flight and queued (docs/ARCHITECTURE.md "Artifact transfer"). */
export interface ArtifactFlowOptions {
  /** Replies being worked on and published at once, all askers together (default 32). */
  maxInFlight?: number;
  /** Replies being worked on and published at once to one asker (default 2). */
  perAsker?: number;
  /** Requests waiting their turn (default 2,000); beyond it a request is refused as busy. */
  maxQueued?: number;
  /** The wait a busy refusal advises (default 2,000 ms, plus up to half again at random). */
  retryAfterMs?: number;
  /** For the advised wait's jitter (default Math.random). */
  random?: () => number;
}

export const DEFAULT_ARTIFACT_FLOW = { maxInFlight: 32, perAsker: 2, maxQueued: 2000, retryAfterMs: 2000 } as const;

export interface ArtifactServer {
  /** The reply queue now, and its peaks and refusals since the start. */
  stats(): ReplyLimiterStats;
}

/**
 * Answers artifact chunk requests (docs/ARCHITECTURE.md "Artifact transfer"): each request names
 * one chunk, so a transfer resumes from the first chunk the requester still lacks. A request for
 * an artifact the policy does not grant the asker is refused with OUTPOST_ERR_ARTIFACT_NOT_ASSIGNED
 * before anything is read, and logged.
 *
 * Flow control: each valid request holds a slot from its policy check until its reply's publish
 * completes (QoS 1: the broker acknowledged it), so at most `maxInFlight` replies, `perAsker` per
 * asker, are between this server and the broker at once, however many nodes ask. The rest wait in
 * a bounded FIFO queue (a request asked again while its first copy waits takes that copy's place);
 * a request that finds the queue full gets an immediate refusal coded TRANSFER_BUSY with
 * `retryAfterMs`, rather than silence that the asker would take for a lost reply.
 */
export async function serveArtifacts(options: ArtifactServerOptions): Promise<ArtifactServer> {
  const log = (options.logger ?? silentLogger).child({ component: 'artifact-server' });
  const flow = options.flow ?? {};
  const retryAfterMs = flow.retryAfterMs ?? DEFAULT_ARTIFACT_FLOW.retryAfterMs;
  const random = flow.random ?? Math.random;
  const clock = options.clock ?? systemClock;
  const limiter = createReplyLimiter(
    {
      maxInFlight: flow.maxInFlight ?? DEFAULT_ARTIFACT_FLOW.maxInFlight,
      perKey: flow.perAsker ?? DEFAULT_ARTIFACT_FLOW.perAsker,
      maxQueued: flow.maxQueued ?? DEFAULT_ARTIFACT_FLOW.maxQueued,
    },
    (err) => log.error({ err: errorMessage(err) }, 'artifact reply failed'),
  );
  let lastBusyLog = Number.NEGATIVE_INFINITY;
  // By buffer identity: a reader that hands out the same bytes again is not hashed twice, and a
  // file that changed on disk (a fresh buffer) is never announced with its old sha256.
  const hashes = new WeakMap<Uint8Array, string>();
  const kind = options.kind;
  const reply = (id: string, msg: ArtifactChunk | ArtifactChunkError): Promise<void> =>
    options.transport.publish(
      kind === 'gateways' ? topics.gateway(id, 'artifactChunk') : topics.device(id, 'artifactChunk'),
      encode(msg),
      { qos: 1 },
    );

  await options.transport.route(topics.all(kind, 'artifactRequest'), async (topic, payload) => {
    let requester: string;
    let req: ArtifactChunkRequest;
    try {
      requester = parseTopic(topic).id;
      req = decode(ArtifactChunkRequest, payload, 'artifact chunk request');
    } catch (err) {
      const error = err instanceof OutpostError ? err : new OutpostError(ErrorCodes.SCHEMA_INVALID, errorMessage(err));
      log.warn({ topic, code: error.code, reason: error.message }, 'rejected artifact request');
      options.onInvalid?.(topic, payload, error);
      return;
    }
    const fail = (code: string, message: string, retryAfterMs?: number): Promise<void> =>
      reply(requester, {
        requestId: req.requestId,
        artifactId: req.artifactId,
        file: req.file,
        index: req.index,
        error: { code, message },
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    const taken = limiter.submit(
      requester,
      () => answer(requester, req, fail),
      `${req.artifactId}/${req.file}/${req.index}/${req.chunkBytes}`,
    );
    if (taken !== 'busy') return;
    const now = clock.now();
    if (now - lastBusyLog > 10_000) {
      lastBusyLog = now;
      log.warn({ requester, ...limiter.stats(), code: ErrorCodes.TRANSFER_BUSY }, 'chunk reply queue full');
    }
    await fail(ErrorCodes.TRANSFER_BUSY, 'chunk reply queue full', Math.round(retryAfterMs * (1 + random() / 2)));
  });
  return { stats: () => limiter.stats() };

  async function answer(
    requester: string,
    req: ArtifactChunkRequest,
    fail: (code: string, message: string) => Promise<void>,
  ): Promise<void> {
    let allowed: boolean;
    try {
      allowed = options.mayFetch ? await options.mayFetch(requester, req.artifactId) : true;
    } catch (err) {
      log.error({ requester, artifactId: req.artifactId, err: errorMessage(err) }, 'artifact policy failed');
      allowed = false;
    }
    if (!allowed) {
      log.warn(
        { requester, artifactId: req.artifactId, file: req.file, code: ErrorCodes.ARTIFACT_NOT_ASSIGNED },
        'refused artifact request',
      );
      await fail(ErrorCodes.ARTIFACT_NOT_ASSIGNED, `artifact ${req.artifactId} is not assigned to ${requester}`);
      return;
    }
    let got: Uint8Array | VerifiedArtifactFile | undefined;
    try {
      got = await options.read(req.artifactId, req.file);
    } catch (err) {
      log.error({ artifactId: req.artifactId, file: req.file, err: errorMessage(err) }, 'artifact read failed');
      await fail(ErrorCodes.ARTIFACT_READ_FAILED, `cannot read ${req.file}`);
      return;
    }
    if (!got) {
      await fail(ErrorCodes.ARTIFACT_NOT_FOUND, `no file ${req.file} in artifact ${req.artifactId}`);
      return;
    }
    const bytes = got instanceof Uint8Array ? got : got.bytes;
    let fileSha256 = got instanceof Uint8Array ? hashes.get(got) : got.sha256;
    if (fileSha256 === undefined) {
      fileSha256 = sha256Hex(bytes);
      hashes.set(bytes, fileSha256);
    }
    const totalChunks = Math.max(1, Math.ceil(bytes.byteLength / req.chunkBytes));
    if (req.index >= totalChunks) {
      await fail(ErrorCodes.CHUNK_OUT_OF_RANGE, `chunk ${req.index} of ${totalChunks}`);
      return;
    }
    const chunk = bytes.subarray(
      req.index * req.chunkBytes,
      Math.min(bytes.byteLength, (req.index + 1) * req.chunkBytes),
    );
    await reply(requester, {
      requestId: req.requestId,
      artifactId: req.artifactId,
      file: req.file,
      index: req.index,
      totalChunks,
      totalBytes: bytes.byteLength,
      fileSha256,
      chunkSha256: sha256Hex(chunk),
      data: Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('base64'),
    });
    options.onServed?.(requester, req.artifactId, chunk.byteLength);
  }
}
