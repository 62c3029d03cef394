/**
 * Labels are delivered like telemetry windows (docs/ARCHITECTURE.md "Telemetry"): the broker's
 * PUBACK does not make a label forwarded — only the gateway's receipt naming (device,
 * predictionId) does. Until then the label stays in the prediction log and is sent again after a
 * back-off. A real device, a real aedes broker, and a client standing in for the gateway.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabelMessage, decode, encode, topics, type Receipt } from '@outpost/protocol';
import { startEmbeddedBroker, type EmbeddedBroker } from '@outpost/protocol/broker';
import { readArtifactFolder } from '@outpost/protocol/node';
import { createOrtNodeEngine, provisionModel, startDevice, type Device } from '../src/index.ts';
import { createMemoryPredictionLog } from '../src/store/memory-prediction-log.ts';
import type { PredictionLog } from '../src/store/prediction-log.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const MODELS = path.join(ROOT, 'firmware-models');
const KEY = readFileSync(path.join(MODELS, 'signing.pub'), 'utf8');

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('label receipts', () => {
  let root: string;
  let broker: EmbeddedBroker;
  let device: Device;
  let log: PredictionLog;
  let gateway: mqtt.MqttClient;
  const arrivals: LabelMessage[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-label-receipts-'));
    broker = await startEmbeddedBroker({ port: 0 });
    // Stands in for the gateway: it takes every label (the broker PUBACKs it) but receipts none yet.
    gateway = await mqtt.connectAsync(broker.url, { clientId: 'gw-standin' });
    gateway.on('message', (_t, payload) => arrivals.push(decode(LabelMessage, payload, 'label')));
    await gateway.subscribeAsync(topics.device('rc-1', 'labels'), { qos: 1 });
    const engine = createOrtNodeEngine();
    const dataDir = path.join(root, 'd');
    await provisionModel({
      dataDir,
      bundle: readArtifactFolder(path.join(MODELS, 'occupancy', '2')),
      publicKeyPem: KEY,
      engine,
    });
    log = createMemoryPredictionLog();
    device = await startDevice({
      id: 'rc-1',
      dataDir,
      brokerUrl: broker.url,
      publicKeyPem: KEY,
      engine,
      predictionLog: log,
      uploadResendMs: 300,
    });
  });
  afterAll(async () => {
    await device?.close();
    await gateway?.endAsync();
    await broker?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const post = async (p: string, body: unknown): Promise<{ ids: string[] }> => {
    const r = await fetch(`${device.httpUrl}${p}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(r.status).toBe(200);
    return (await r.json()) as { ids: string[] };
  };

  let id: string;

  it('keeps a label unforwarded after the PUBACK and sends it again while no receipt comes', async () => {
    [id] = (await post('/predict', { rows: [{ Light: 426 }] })).ids as [string];
    await post('/label', { predictionId: id, label: 0 });
    // The broker took it (PUBACK) and passed it on…
    await waitFor('the label at the gateway', () => arrivals.some((a) => a.predictionId === id));
    // …and after a back-off it comes again: nobody said it was stored.
    await waitFor('the label sent again', () => arrivals.filter((a) => a.predictionId === id).length >= 2);
    expect(log.get(id)?.labelForwarded).toBe(false);
    expect(log.unforwardedLabels(10).map((p) => p.id)).toEqual([id]);
  });

  it('marks the label forwarded on the receipt naming it, and stops sending it', async () => {
    // A receipt for another device and one for an unknown prediction change nothing.
    const receipt: Receipt = {
      from: 'gw-standin',
      at: new Date().toISOString(),
      items: [
        { kind: 'label', device: 'rc-2', predictionId: id, outcome: 'stored' },
        { kind: 'label', device: 'rc-1', predictionId: 'rc-1-nope', outcome: 'stored' },
      ],
    };
    await gateway.publishAsync(topics.device('rc-1', 'acks'), encode(receipt), { qos: 1 });
    await new Promise((r) => setTimeout(r, 200));
    expect(log.get(id)?.labelForwarded).toBe(false);

    receipt.items = [{ kind: 'label', device: 'rc-1', predictionId: id, outcome: 'stored' }];
    await gateway.publishAsync(topics.device('rc-1', 'acks'), encode(receipt), { qos: 1 });
    await waitFor('the label forwarded', () => log.get(id)?.labelForwarded === true);
    expect(log.unforwardedLabels(10)).toEqual([]);
    const sent = arrivals.length;
    await new Promise((r) => setTimeout(r, 1000));
    expect(arrivals.length).toBe(sent);
  });
});
