/**
 * The review queue end to end (docs/MONITORING.md "Review queue"): a real device flags a
 * low-confidence prediction and forwards it with its inputs through a real gateway relay (real
 * aedes brokers, real SQLite) into the fleet's review queue; an operator labels it through the
 * API, and monitoring's performance counts it as ground truth. A device with review upload off
 * sends none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReviewErrorCodes } from '@outpost/fleet';
import { startDevice, type Device } from '@outpost/device';
import { enrollDevice, startStack, type Stack } from '../../stack/site.ts';
import { loadReleasePublicKey } from '../../stack/model.ts';
import { waitFor } from './wait.ts';

let dataDir: string;
let stack: Stack;
let device: Device;
let quiet: Device;
let token: string;

async function reviewDevice(id: string, reviewUpload: boolean): Promise<Device> {
  const dir = join(dataDir, id);
  await enrollDevice(stack.gateway, id, dir);
  const d = await startDevice({
    id,
    dataDir: dir,
    brokerUrl: stack.gateway.localUrl,
    publicKeyPem: loadReleasePublicKey(),
    fleetKeyPem: stack.fleet.intentPublicKeyPem,
    gatewayId: 'site-1',
    // occupancy v2 answers Light 426 with probabilities (0.048, 0.952): margin 0.905, under this;
    // Light 441 is surer, over it.
    reviewMargin: 0.95,
    reviewUpload,
  });
  await d.waitForModel((m) => m.artifactId === stack.model.artifactId, 60_000);
  return d;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'outpost-review-'));
  stack = await startStack({ dataDir, devices: 0, apiPort: 0 });
  device = await reviewDevice('reviewed-1', true);
  quiet = await reviewDevice('quiet-1', false);
  token = stack.fleet.tokens.create({ name: 'reviewer', role: 'operator', at: new Date().toISOString() }).token;
}, 180_000);

afterAll(async () => {
  await device?.close();
  await quiet?.close();
  await stack?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const r = await fetch(`${stack.fleet.apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: r.status, body: (await r.json()) as T };
}

interface Item {
  device: string;
  predictionId: string;
  inputs: Record<string, unknown>;
  state: string;
  reason: string;
  confidence: number;
  label?: unknown;
}

describe('the review queue, device to reviewer', () => {
  let unsure: string;

  it("puts a device's low-confidence prediction, with its inputs, in the fleet's review list", async () => {
    const r = await device.predict([{ Light: 426 }, { Light: 441 }]);
    [unsure] = r.ids as [string];
    await quiet.predict([{ Light: 426 }]);
    await waitFor(() => stack.fleet.review.count({ device: device.id }) >= 1, 30_000);
    const page = await api<{ items: Item[]; nextCursor: string | null }>('GET', `/api/v1/review?device=${device.id}`);
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([
      expect.objectContaining({
        device: device.id,
        predictionId: unsure,
        inputs: { Light: 426 },
        state: 'pending',
        reason: 'low-margin',
        model: stack.model.name,
        version: stack.model.version,
      }),
    ]);
    expect(page.body.items[0]?.confidence).toBeCloseTo(0.9523809552192688 - 0.0476190485060215, 6);
    // The quiet device keeps its flagged rows to itself (given the time the other one took, and more).
    await new Promise((r) => setTimeout(r, 1500));
    await device.flushTelemetry();
    await quiet.flushTelemetry();
    expect(stack.fleet.review.count({ device: quiet.id })).toBe(0);
  });

  it('labelling it through the API makes performance count it, once, audited', async () => {
    const labelled = (): number =>
      stack.fleet.monitor.performance(stack.model.name).points.reduce((n, p) => n + p.labels, 0);
    const before = labelled();
    const r = await api<{ outcome: string; item: Item }>('POST', '/api/v1/review/label', {
      device: device.id,
      predictionId: unsure,
      label: 0,
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ outcome: 'labelled', item: { state: 'labelled', label: 0 } });
    expect(labelled()).toBe(before + 1);
    const again = await api<{ outcome: string }>('POST', '/api/v1/review/label', {
      device: device.id,
      predictionId: unsure,
      label: 0,
    });
    expect(again.body.outcome).toBe('unchanged');
    const conflict = await api<{ error: { code: string } }>('POST', '/api/v1/review/label', {
      device: device.id,
      predictionId: unsure,
      label: 1,
    });
    expect([conflict.status, conflict.body.error.code]).toEqual([409, ReviewErrorCodes.REVIEW_LABEL_CONFLICT]);
    const unknown = await api<{ error: { code: string } }>('POST', '/api/v1/review/label', {
      device: device.id,
      predictionId: 'nope',
      label: 1,
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, ReviewErrorCodes.REVIEW_ITEM_UNKNOWN]);
    expect(labelled()).toBe(before + 1);
    expect(stack.fleet.store.audit({ action: 'review.label' })).toEqual([
      expect.objectContaining({ actor: 'reviewer', target: device.id, details: { predictionId: unsure, label: 0 } }),
    ]);
    const pending = await api<{ items: Item[] }>('GET', `/api/v1/review?device=${device.id}&state=pending`);
    expect(pending.body.items).toEqual([]);
  });
});
