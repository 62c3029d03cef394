import { decode, encode } from '../decode.ts';
import { ErrorCodes, OutpostError, errorMessage } from '../errors.ts';
import { sha256Hex } from '../hash.ts';
import { silentLogger, type Logger } from '../runtime.ts';
import { ArtifactChunkRequest, type ArtifactChunk, type ArtifactChunkError } from '../schemas/artifact-transfer.ts';
import { parseTopic, topics, type NodeKind } from '../topics.ts';
import type { Transport } from '../transport.ts';

/** Reads one file of a stored artifact, or undefined when this server does not have it. */
export type ArtifactFileReader = (artifactId: string, file: string) => Promise<Uint8Array | undefined>;

export interface ArtifactServerOptions {
  transport: Transport;
  /** Whose requests to answer: the fleet serves 'gateways', a gateway serves 'devices'. */
  kind: NodeKind;
  read: ArtifactFileReader;
  logger?: Logger;
  /** Called with every request that fails its schema, so the owner can dead-letter it. */
  onInvalid?: (topic: string, payload: Buffer, error: OutpostError) => void;
}

/**
 * Answers artifact chunk requests (docs/ARCHITECTURE.md "Artifact transfer"): each request names
 * one chunk, so a transfer resumes from the first chunk the requester still lacks.
 */
export async function serveArtifacts(options: ArtifactServerOptions): Promise<void> {
  const log = (options.logger ?? silentLogger).child({ component: 'artifact-server' });
  const hashes = new Map<string, string>();
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
    const fail = (code: string, message: string): Promise<void> =>
      reply(requester, {
        requestId: req.requestId,
        artifactId: req.artifactId,
        file: req.file,
        index: req.index,
        error: { code, message },
      });
    let bytes: Uint8Array | undefined;
    try {
      bytes = await options.read(req.artifactId, req.file);
    } catch (err) {
      log.error({ artifactId: req.artifactId, file: req.file, err: errorMessage(err) }, 'artifact read failed');
      await fail(ErrorCodes.ARTIFACT_READ_FAILED, `cannot read ${req.file}`);
      return;
    }
    if (!bytes) {
      await fail(ErrorCodes.ARTIFACT_NOT_FOUND, `no file ${req.file} in artifact ${req.artifactId}`);
      return;
    }
    const key = `${req.artifactId}/${req.file}`;
    let fileSha256 = hashes.get(key);
    if (fileSha256 === undefined) {
      fileSha256 = sha256Hex(bytes);
      hashes.set(key, fileSha256);
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
  });
}
