import { z } from 'zod';
import { Count, Sha256 } from './common.ts';

/** Largest chunk a server sends (bytes of file data, before base64). */
export const MAX_CHUNK_BYTES = 256 * 1024;
export const DEFAULT_CHUNK_BYTES = 64 * 1024;

/** A node asks its server for one chunk of one file of an artifact (docs/ARCHITECTURE.md "Artifact transfer"). */
export const ArtifactChunkRequest = z.strictObject({
  requestId: z.string().min(1).max(64),
  artifactId: Sha256,
  /** `manifest.json`, or a path listed in the manifest's `files`. */
  file: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  index: Count,
  chunkBytes: z.number().int().positive().max(MAX_CHUNK_BYTES).default(DEFAULT_CHUNK_BYTES),
});
export type ArtifactChunkRequest = z.infer<typeof ArtifactChunkRequest>;

export const ArtifactChunk = z.strictObject({
  requestId: z.string().min(1).max(64),
  artifactId: Sha256,
  file: z.string(),
  index: Count,
  totalChunks: z.number().int().positive(),
  totalBytes: Count,
  /** sha256 of the whole file, so the receiver can check it once all chunks are in. */
  fileSha256: Sha256,
  chunkSha256: Sha256,
  /** base64 of the chunk's bytes. */
  data: z.string(),
});
export type ArtifactChunk = z.infer<typeof ArtifactChunk>;

export const ArtifactChunkError = z.strictObject({
  requestId: z.string().min(1).max(64),
  artifactId: Sha256,
  file: z.string(),
  index: Count,
  error: z.strictObject({ code: z.string(), message: z.string() }),
  /** Set on a "busy" refusal: ask again after this many milliseconds (docs/ARCHITECTURE.md "Artifact transfer"). */
  retryAfterMs: z.number().int().min(0).max(600_000).optional(),
});
export type ArtifactChunkError = z.infer<typeof ArtifactChunkError>;

export const ArtifactChunkResponse = z.union([ArtifactChunk, ArtifactChunkError]);
export type ArtifactChunkResponse = z.infer<typeof ArtifactChunkResponse>;
