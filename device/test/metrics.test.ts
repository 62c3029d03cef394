/**
 * GET /metrics: Prometheus text with the device's own counters — rows predicted and refused, the
 * latency histogram, the active model and engine — and Node's process metrics.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifactFolder } from '@outpost/protocol/node';
import { createOrtNodeEngine, startDevice, type Device } from '../src/index.ts';
import { createDeviceMetrics } from '../src/metrics.ts';
import { provisionModel } from '../src/provision.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const BUILD = path.join(ROOT, 'firmware-models', 'occupancy', '2');
const KEY = readFileSync(path.join(ROOT, 'firmware-models', 'signing.pub'), 'utf8');

/** The value of one sample line, e.g. `name{a="b"} 3`, matched on its name and label text. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

describe('GET /metrics', () => {
  let root: string;
  let device: Device;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-metrics-'));
    const engine = createOrtNodeEngine();
    const dataDir = path.join(root, 'd');
    await provisionModel({ dataDir, bundle: readArtifactFolder(BUILD), publicKeyPem: KEY, engine });
    device = await startDevice({
      id: 'metrics-1',
      dataDir,
      brokerUrl: 'mqtt://127.0.0.1:9',
      publicKeyPem: KEY,
      engine,
    });
  });
  afterAll(async () => {
    await device?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('counts what the device did, by model version, with process metrics beside', async () => {
    const predict = (body: unknown): Promise<Response> =>
      fetch(`${device.httpUrl}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await predict({ inputs: { Light: 12 } })).status).toBe(200);
    expect((await predict({ rows: [1, 2, 3, 4, 5].map((k) => ({ Light: k * 100 })) })).status).toBe(200);
    expect((await predict({ rows: [{ Light: 1 }, { Light: null }] })).status).toBe(400);

    const res = await fetch(`${device.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    const v2 = { model: 'occupancy', version: '2', device: 'metrics-1' };
    expect(sample(text, 'outpost_device_predictions_total', v2)).toBe(6);
    expect(sample(text, 'outpost_device_inputs_refused_total')).toBe(2);
    expect(sample(text, 'outpost_device_predict_duration_seconds_count', v2)).toBe(2);
    expect(sample(text, 'outpost_device_predict_duration_seconds_sum', v2)).toBeGreaterThan(0);
    expect(sample(text, 'outpost_device_model_info', { ...v2, engine: 'onnxruntime-node' })).toBe(1);
    expect(sample(text, 'outpost_device_telemetry_outbox_windows')).toBe(0);
    expect(sample(text, 'outpost_device_process_resident_memory_bytes')).toBeGreaterThan(10 * 2 ** 20);
  });
});

describe('device metrics between scrapes', () => {
  it('counts every predict call under the model version that made it, across swaps and long gaps between scrapes', async () => {
    const m = createDeviceMetrics({ deviceId: 'd1', engine: 'e', active: () => undefined, outboxDepth: () => 0 });
    for (let i = 0; i < 2500; i++) m.predicted('housing', 1, 2, 0.0001);
    m.predicted('housing', 2, 3, 0.002);
    const first = await m.registry.metrics();
    for (let i = 0; i < 10; i++) m.predicted('housing', 1, 1, 0.3);
    const text = await m.registry.metrics();
    const v1 = { model: 'housing', version: '1' };
    const v2 = { model: 'housing', version: '2' };
    expect(sample(first, 'outpost_device_predictions_total', v1)).toBe(5000);
    expect(sample(first, 'outpost_device_predictions_total', v2)).toBe(3);
    expect(sample(text, 'outpost_device_predictions_total', v1)).toBe(5010);
    expect(sample(text, 'outpost_device_predict_duration_seconds_count', v1)).toBe(2510);
    expect(sample(text, 'outpost_device_predict_duration_seconds_bucket', { ...v1, le: '0.0001' })).toBe(2500);
    expect(sample(text, 'outpost_device_predict_duration_seconds_bucket', { ...v1, le: '0.25' })).toBe(2500);
    expect(sample(text, 'outpost_device_predict_duration_seconds_count', v2)).toBe(1);
    expect(sample(text, 'outpost_device_predict_duration_seconds_sum', v2)).toBeCloseTo(0.002, 9);
  });
});
