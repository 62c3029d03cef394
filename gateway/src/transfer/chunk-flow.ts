import {
  ArtifactChunkRequest,
  decode,
  encode,
  parseTopic,
  systemClock,
  topics,
  type Clock,
  type Logger,
  type Transport,
} from '@outpost/protocol';
import { GatewayErrorCodes } from '../errors.ts';
import { createReplyLimiter, type ReplyLimiterStats } from './reply-limiter.ts';

/** How many artifact chunk replies the gateway has in flight and queued (docs/ARCHITECTURE.md "Artifact transfer"). */
export interface ChunkFlowOptions {
  /** Replies being published at once, all devices together (default 32). */
  maxInFlight?: number;
  /** Replies being published at once to one device (default 2). */
  perDevice?: number;
  /** Requests waiting their turn (default 2,000); beyond it a request is refused as busy. */
  maxQueued?: number;
  /** The wait a busy refusal advises (default 2,000 ms, plus up to half again at random). */
  retryAfterMs?: number;
  /** For the advised wait's jitter (default Math.random). */
  random?: () => number;
}

export const DEFAULT_CHUNK_FLOW = { maxInFlight: 32, perDevice: 2, maxQueued: 2000, retryAfterMs: 2000 } as const;

export interface ChunkFlow {
  /** The transport to hand the artifact server: its chunk request route is flow-controlled. */
  transport: Transport;
  stats(): ReplyLimiterStats;
}

const REQUEST_FILTER = topics.all('devices', 'artifactRequest');

/**
 * Flow control for the chunk replies the gateway serves its devices. Each request's handler (the
 * artifact server: policy check, read, publish) holds a slot until its reply's publish completes
 * (QoS 1: the broker acknowledged it), so at most `maxInFlight` replies, `perDevice` per device,
 * are between the gateway and the broker at once, however many devices ask. The rest wait in a
 * bounded FIFO queue; a request that finds it full gets an immediate refusal coded
 * TRANSFER_BUSY with `retryAfterMs`, rather than silence that the device would take for a lost reply.
 */
export function flowControlChunks(
  transport: Transport,
  opts: ChunkFlowOptions & { logger: Logger; clock?: Clock },
): ChunkFlow {
  const log = opts.logger.child({ component: 'chunk-flow' });
  const retryAfterMs = opts.retryAfterMs ?? DEFAULT_CHUNK_FLOW.retryAfterMs;
  const random = opts.random ?? Math.random;
  const clock = opts.clock ?? systemClock;
  const limiter = createReplyLimiter(
    {
      maxInFlight: opts.maxInFlight ?? DEFAULT_CHUNK_FLOW.maxInFlight,
      perKey: opts.perDevice ?? DEFAULT_CHUNK_FLOW.perDevice,
      maxQueued: opts.maxQueued ?? DEFAULT_CHUNK_FLOW.maxQueued,
    },
    () => {
      /* the artifact server logs its own failures */
    },
  );
  let lastBusyLog = 0;

  const refuse = async (device: string, req: ArtifactChunkRequest): Promise<void> => {
    const now = clock.now();
    if (now - lastBusyLog > 10_000) {
      lastBusyLog = now;
      log.warn({ device, ...limiter.stats(), code: GatewayErrorCodes.TRANSFER_BUSY }, 'chunk replies queue full');
    }
    await transport.publish(
      topics.device(device, 'artifactChunk'),
      encode({
        requestId: req.requestId,
        artifactId: req.artifactId,
        file: req.file,
        index: req.index,
        error: { code: GatewayErrorCodes.TRANSFER_BUSY, message: 'chunk replies queue full' },
        retryAfterMs: Math.round(retryAfterMs * (1 + random() / 2)),
      }),
      { qos: 1 },
    );
  };

  const wrapped: Transport = Object.create(transport) as Transport;
  wrapped.route = (filter, handler, qos) => {
    if (filter !== REQUEST_FILTER) return transport.route(filter, handler, qos);
    return transport.route(
      filter,
      (topic, payload) => {
        let device: string;
        let req: ArtifactChunkRequest;
        try {
          device = parseTopic(topic).id;
          req = decode(ArtifactChunkRequest, payload, 'artifact chunk request');
        } catch {
          return handler(topic, payload); // the server rejects and dead-letters it: no reply to limit
        }
        const taken = limiter.submit(
          device,
          async () => {
            await handler(topic, payload);
          },
          `${req.artifactId}/${req.file}/${req.index}/${req.chunkBytes}`,
        );
        if (taken === 'busy') return refuse(device, req);
      },
      qos,
    );
  };
  return { transport: wrapped, stats: () => limiter.stats() };
}
