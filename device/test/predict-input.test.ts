import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Manifest,
  TelemetryWindow,
  decode,
  generateSigningKeyPair,
  sha256Hex,
  topics,
  validate,
  type SigningKeyPair,
} from '@outpost/protocol';
import { DeviceErrorCodes, startDevice, type Device } from '../src/index.ts';
import { FLEET_INTENT_KEYS, startFakeGateway, waitFor, type FakeGateway } from './helpers/fake-gateway.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';

/**
 * `POST /predict` with a required numeric input that is missing, null, not a number or not
 * finite: a 400 naming each field and why, unless the model may take it missing (its graph
 * imputes it and the manifest allows it) — then a prediction, and the value counted as missing.
 */

interface FieldReason {
  row: number;
  field: string;
  reason: string;
}
interface ApiBody {
  predictions?: (number | null)[];
  imputed?: Record<string, number>;
  error?: { code: string; message: string; details?: { fields?: FieldReason[] } };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: ApiBody }> {
  const res = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as ApiBody };
}

const HOUSING_DIR = path.resolve(import.meta.dirname, '../../firmware-models/housing/1');

describe('predict input checks over real HTTP and onnxruntime', () => {
  let root: string;
  let keys: SigningKeyPair;
  let tiny: FixtureArtifact;
  let gw: FakeGateway;
  let tinyDevice: Device;
  let housingDevice: Device;
  let housing: { artifactId: string; manifest: Manifest };

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-predict-input-'));
    keys = generateSigningKeyPair();
    tiny = writeFixtureArtifact(path.join(root, 'artifacts'), keys, 1);
    gw = await startFakeGateway(path.join(root, 'artifacts'));
    const manifestBytes = readFileSync(path.join(HOUSING_DIR, 'manifest.json'));
    housing = { artifactId: sha256Hex(manifestBytes), manifest: decode(Manifest, manifestBytes, 'manifest') };
    gw.dirs.set(housing.artifactId, HOUSING_DIR);

    tinyDevice = await startDevice({
      id: 'tiny-1',
      dataDir: path.join(root, 'tiny'),
      brokerUrl: gw.broker.url,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
    });
    housingDevice = await startDevice({
      id: 'housing-1',
      dataDir: path.join(root, 'housing'),
      brokerUrl: gw.broker.url,
      publicKeyPem: readFileSync(path.resolve(HOUSING_DIR, '../../signing.pub'), 'utf8'),
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
    });
    await gw.publishDesired('tiny-1', 1, [tiny]);
    await gw.publishDesired('housing-1', 1, [housing]);
    await tinyDevice.waitForModel();
    await housingDevice.waitForModel();
  });
  afterAll(async () => {
    await tinyDevice?.close();
    await housingDevice?.close();
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('refuses a required numeric input given as "abc", "NaN", null or left out, with a reason per field', async () => {
    for (const [x, reason] of [
      ['abc', 'not-a-number'],
      ['NaN', 'not-finite'],
      ['-Infinity', 'not-finite'],
      ['3.5', 'not-a-number'],
      [null, 'null'],
      [undefined, 'missing'],
    ] as const) {
      const res = await post(tinyDevice.httpUrl, { inputs: { ...(x === undefined ? {} : { x }), c: 'a' } });
      expect(res.status, String(x)).toBe(400);
      expect(res.json.error?.code).toBe(DeviceErrorCodes.INPUT_INVALID);
      expect(res.json.error?.details?.fields).toEqual([{ row: 0, field: 'x', reason }]);
    }
    expect(tinyDevice.stats().predictions).toBe(0);
  });

  it('names every bad field of every row of a batch, and predicts nothing', async () => {
    const res = await post(tinyDevice.httpUrl, { rows: [{ x: 1, c: 'a' }, { c: 'b' }, { x: 'oops', c: null }] });
    expect(res.status).toBe(400);
    expect(res.json.error?.details?.fields).toEqual([
      { row: 1, field: 'x', reason: 'missing' },
      { row: 2, field: 'x', reason: 'not-a-number' },
    ]);
    const ok = await post(tinyDevice.httpUrl, { rows: [{ x: 1, c: 'a' }, { x: 2 }] }); // a missing string is ''
    expect(ok.status).toBe(200);
    expect(ok.json.predictions).toHaveLength(2);
  });

  it('accepts a missing value the model imputes, says so, and counts it as missing in telemetry', async () => {
    const golden = housing.manifest.golden[0]?.inputs as Record<string, unknown>;
    const res = await post(housingDevice.httpUrl, { rows: [{ ...golden, total_bedrooms: null }, golden] });
    expect(res.status).toBe(200);
    expect(res.json.predictions?.every((p) => typeof p === 'number' && Number.isFinite(p))).toBe(true);
    expect(res.json.imputed).toEqual({ total_bedrooms: 1 });
    // An input the spec did not mark as possibly missing is required, though the graph would fill it.
    const bad = await post(housingDevice.httpUrl, { inputs: { ...golden, median_income: 'abc' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error?.details?.fields).toEqual([{ row: 0, field: 'median_income', reason: 'not-a-number' }]);

    await housingDevice.flushTelemetry();
    const windows = await waitFor('a window', () => {
      const w = gw.telemetry.filter((t) => t.topic === topics.device('housing-1', 'telemetry'));
      return w.length > 0 ? w.map((t) => validate(TelemetryWindow, t.payload, 'window')) : undefined;
    });
    const last = windows[windows.length - 1] as TelemetryWindow;
    expect(last.rows).toBe(2);
    expect(last.features.total_bedrooms).toMatchObject({ kind: 'numeric', missing: 1 });
    expect(last.features.median_income).toMatchObject({ kind: 'numeric', missing: 0 });
  });
});
