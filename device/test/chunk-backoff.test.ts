import { readFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ArtifactChunkRequest,
  backoffDelay,
  ErrorCodes,
  decode,
  encode,
  generateSigningKeyPair,
  topics,
  type OutpostError,
  type SigningKeyPair,
} from '@outpost/protocol';
import { createArtifactFetcher, serveArtifacts } from '@outpost/protocol/node';
import { FakeClock } from './helpers/fake-clock.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';
import { memoryBus, runClock, type MemoryBus } from './helpers/memory-bus.ts';

const DEVICE = 'device-1';
let root: string;
let keys: SigningKeyPair;
let artifact: FixtureArtifact;

beforeAll(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'outpost-backoff-'));
  keys = generateSigningKeyPair();
  artifact = writeFixtureArtifact(root, keys, 1);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A gateway on the bus serving the fixture artifact; `busyFirst` refusals as busy before it answers. */
async function gateway(bus: MemoryBus, busyFirst = 0, retryAfterMs = 3000): Promise<void> {
  let refusals = 0;
  const server = Object.create(bus.transport) as MemoryBus['transport'];
  server.route = async (filter, handler) =>
    bus.transport.route(filter, async (topic, payload) => {
      if (refusals++ < busyFirst) {
        const req = decode(ArtifactChunkRequest, payload, 'request');
        await bus.transport.publish(
          topics.device(DEVICE, 'artifactChunk'),
          encode({
            requestId: req.requestId,
            artifactId: req.artifactId,
            file: req.file,
            index: req.index,
            // Any code: what the fetcher acts on is the advised wait.
            error: { code: ErrorCodes.ARTIFACT_READ_FAILED, message: 'busy' },
            retryAfterMs,
          }),
        );
        return;
      }
      await handler(topic, payload);
    });
  // Read up front: real file reads would let fake time pass while they complete.
  const files = new Map<string, Uint8Array>();
  for (const f of ['manifest.json', ...artifact.manifest.files.map((e) => e.path)])
    files.set(f, await readFile(path.join(artifact.dir, f)));
  await serveArtifacts({ transport: server, kind: 'devices', read: async (_id, file) => files.get(file) });
}

async function fetchUnderClock(bus: MemoryBus, clock: FakeClock, chunkBytes: number, maxMs: number) {
  const fetcher = await createArtifactFetcher({
    transport: bus.transport,
    kind: 'devices',
    selfId: DEVICE,
    clock,
    chunkBytes,
    chunkTimeoutMs: 1000,
    maxChunkTimeoutMs: 8000,
    random: () => 0,
  });
  let outcome: { ok: true } | { ok: false; err: unknown } | undefined;
  fetcher.fetch(artifact.artifactId, keys.publicKeyPem).then(
    () => (outcome = { ok: true }),
    (err: unknown) => (outcome = { ok: false, err }),
  );
  await runClock(clock, () => outcome !== undefined, maxMs);
  return outcome;
}

const gaps = (times: number[]): number[] => times.slice(1).map((t, i) => t - times[i]!);

describe('chunk fetch back-off', () => {
  it('a chunk that is never answered is asked again after 1, 2, 4, 8, 8 s, then the transfer fails', async () => {
    const clock = new FakeClock();
    const bus = memoryBus(clock);
    bus.dropRequests = true;
    const outcome = await fetchUnderClock(bus, clock, 64 * 1024, 60_000);
    expect(gaps(bus.requestTimes)).toEqual([1000, 2000, 4000, 8000, 8000]);
    expect(outcome?.ok).toBe(false);
    expect((outcome as { err: OutpostError }).err.code).toBe(ErrorCodes.TRANSFER_TIMEOUT);
  });

  it('a busy refusal is waited out for the advised time, then the chunk is asked again', async () => {
    const clock = new FakeClock();
    const bus = memoryBus(clock);
    await gateway(bus, 2, 3000);
    const outcome = await fetchUnderClock(bus, clock, 64 * 1024, 60_000);
    expect(outcome).toEqual({ ok: true });
    expect(gaps(bus.requestTimes).slice(0, 2)).toEqual([3000, 3000]);
  });

  it('a gateway that answers 3.5 s late still completes the transfer, with a bounded number of requests', async () => {
    const clock = new FakeClock();
    const bus = memoryBus(clock);
    bus.requestDelayMs = 3500;
    await gateway(bus);
    const chunkBytes = 256;
    const outcome = await fetchUnderClock(bus, clock, chunkBytes, 600_000);
    expect(outcome).toEqual({ ok: true });
    const chunks = artifact.manifest.files.reduce((n, f) => n + Math.max(1, Math.ceil(f.bytes / chunkBytes)), 0);
    const manifestBytes = (await readFile(path.join(artifact.dir, 'manifest.json'))).byteLength;
    const total = chunks + Math.ceil(manifestBytes / chunkBytes);
    // Two time-outs (1 s, 2 s) grow it to 4 s, which then holds for every later chunk.
    expect(bus.requestTimes.length).toBe(total + 2);
  });

  it('jitter only lengthens a wait, by at most a quarter, and the cap holds', () => {
    const rule = { baseMs: 1000, capMs: 8000 };
    expect(backoffDelay(rule, 1, () => 0)).toBe(2000);
    expect(backoffDelay(rule, 1, () => 1)).toBe(2500);
    expect(backoffDelay(rule, 10, () => 0)).toBe(8000);
  });
});
