/**
 * The prediction log, ground truth and review on a real device: every prediction logged with its
 * confidence, low-confidence ones queued for review, POST /label attaching the first label (a
 * different second one refused), and labels published upstream — once the broker is there.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabelMessage, Manifest, decode, topics } from '@outpost/protocol';
import { startEmbeddedBroker, type EmbeddedBroker } from '@outpost/protocol/broker';
import { readArtifactFolder } from '@outpost/protocol/node';
import { DeviceErrorCodes, createOrtNodeEngine, provisionModel, startDevice, type Device } from '../src/index.ts';
import { confidenceOf } from '../src/confidence.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const MODELS = path.join(ROOT, 'firmware-models');
const KEY = readFileSync(path.join(MODELS, 'signing.pub'), 'utf8');

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('prediction log, labels and review', () => {
  let root: string;
  let device: Device;
  let port: number;
  let broker: EmbeddedBroker | undefined;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-labels-'));
    const engine = createOrtNodeEngine();
    const dataDir = path.join(root, 'd');
    await provisionModel({
      dataDir,
      bundle: readArtifactFolder(path.join(MODELS, 'occupancy', '2')),
      publicKeyPem: KEY,
      engine,
    });
    port = await freePort();
    // The gateway's broker is not up yet: labels wait on the device.
    device = await startDevice({
      id: 'lab-1',
      dataDir,
      brokerUrl: `mqtt://127.0.0.1:${port}`,
      publicKeyPem: KEY,
      engine,
      // occupancy v2 answers Light 426 with probabilities (0.048, 0.952): margin 0.905, under this.
      reviewMargin: 0.95,
    });
  });
  afterAll(async () => {
    await device?.close();
    await broker?.close();
    rmSync(root, { recursive: true, force: true });
  });

  // Replies are checked field by field below; their schemas are held to the server by openapi.test.ts.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const call = async (method: string, p: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${device.httpUrl}${p}`, {
      method,
      ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
    });
    return { status: r.status, body: await r.json() };
  };

  let unsure: string;
  let sure: string;

  it('logs each prediction and queues the unsure ones for review', async () => {
    const res = await call('POST', '/predict', { rows: [{ Light: 426 }, { Light: 441 }] });
    expect(res.status).toBe(200);
    [unsure, sure] = res.body.ids;
    const review = await call('GET', '/review');
    expect(review.status).toBe(200);
    expect(review.body.items).toEqual([
      expect.objectContaining({ id: unsure, model: 'occupancy', version: 2, inputs: { Light: 426 }, prediction: 1 }),
    ]);
    expect(review.body.items[0].confidence).toBeCloseTo(0.9523809552192688 - 0.0476190485060215, 6);
    expect((await call('GET', '/review?limit=0')).body.error.code).toBe(DeviceErrorCodes.INPUT_INVALID);
  });

  it('attaches the first label, refuses a different one, and knows no unknown id', async () => {
    expect(await call('POST', '/label', { predictionId: unsure, label: 0 })).toEqual({
      status: 200,
      body: { predictionId: unsure, status: 'labelled' },
    });
    expect((await call('POST', '/label', { predictionId: unsure, label: 0 })).body.status).toBe('unchanged');
    const conflict = await call('POST', '/label', { predictionId: unsure, label: 1 });
    expect([conflict.status, conflict.body.error.code]).toEqual([409, DeviceErrorCodes.LABEL_CONFLICT]);
    const unknown = await call('POST', '/label', { predictionId: 'lab-1-nope-1', label: 1 });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, DeviceErrorCodes.PREDICTION_UNKNOWN]);
    const bad = await call('POST', '/label', { predictionId: sure });
    expect([bad.status, bad.body.error.code]).toEqual([400, DeviceErrorCodes.INPUT_INVALID]);
    // A labelled prediction leaves the review queue.
    expect((await call('GET', '/review')).body.items).toEqual([]);
  });

  it('publishes the label upstream once the broker is there', async () => {
    broker = await startEmbeddedBroker({ port });
    const client = mqtt.connect(broker.url, { clientId: 'watcher' });
    const got = new Promise<LabelMessage>((resolve) =>
      client.on('message', (_t, payload) => resolve(decode(LabelMessage, payload, 'label'))),
    );
    await client.subscribeAsync(topics.device('lab-1', 'labels'), { qos: 1 });
    const label = await got;
    expect(label).toMatchObject({ device: 'lab-1', predictionId: unsure, label: 0 });
    // It carries what the log holds about the prediction, so the fleet can score the model.
    expect(label.prediction).toMatchObject({ value: 1, model: 'occupancy', version: 2 });
    expect(label.prediction?.confidence).toBeCloseTo(0.9523809552192688 - 0.0476190485060215, 6);
    expect(Date.parse(label.prediction?.at ?? '')).toBeLessThanOrEqual(Date.parse(label.at));
    await client.endAsync();
  });
});

describe('confidence of a regression row', () => {
  it('is the share of inputs inside their training range; any outside flags the row', () => {
    const manifest = Manifest.parse(
      JSON.parse(readFileSync(path.join(MODELS, 'housing', '1', 'manifest.json'), 'utf8')),
    );
    const ranged = manifest.inputs.filter((i) => i.type === 'float' && i.range);
    expect(ranged.length).toBeGreaterThan(2);
    const inside = Object.fromEntries(ranged.map((i) => [i.name, (i.range as [number, number])[0]]));
    const outside = { ...inside, [ranged[0]!.name]: (ranged[0]!.range as [number, number])[1] + 1 };
    const missing = { ...inside, [ranged[1]!.name]: null };
    const c = confidenceOf(manifest, [inside, outside, missing], {});
    expect(c.confidence[0]).toBe(1);
    expect(c.confidence[1]).toBeCloseTo((ranged.length - 1) / ranged.length, 10);
    expect(c.confidence[2]).toBeCloseTo((ranged.length - 1) / ranged.length, 10);
    expect(c.review).toEqual([false, true, true]);
  });
});
