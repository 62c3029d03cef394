/**
 * Which artifact file a device runs: the one whose manifest role is its engine's `modelRole`
 * (model.onnx for onnxruntime-web, model.tflite for TFLite). A TFLite device installs a real
 * trainer artifact carrying model.tflite over a real broker — smoke test on the golden examples,
 * activation, predictions over HTTP — and refuses an artifact without one with
 * OUTPOST_ERR_MODEL_FILE_MISSING, keeping its slots and serving on; on restart it loads the
 * engine's file from its slot, and a slot without one leaves it without a model, not crashed.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ReportedState,
  generateSigningKeyPair,
  isOutpostError,
  silentLogger,
  topics,
  validate,
  type ArtifactBundle,
  type SigningKeyPair,
} from '@outpost/protocol';
import { buildArtifact } from '@outpost/trainer';
import { DeviceErrorCodes, createOrtWebEngine, startDevice, type Device, type InferenceEngine } from '../src/index.ts';
import { modelFileFor } from '../src/inference/model-file.ts';
import { createTfliteEngine } from '../src/inference/tflite/tflite-engine.ts';
import { ModelSlots } from '../src/slots.ts';
import { StateFile } from '../src/store/state-file.ts';
import { FLEET_INTENT_KEYS, startFakeGateway, waitFor, type FakeGateway } from './helpers/fake-gateway.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';
import { specFixture, specModel, type SpecFixture } from './helpers/spec-models.ts';

function lastReport(gw: FakeGateway, id: string): ReportedState | undefined {
  const mine = gw.reported.filter((r) => r.topic === topics.device(id, 'reported'));
  const last = mine[mine.length - 1];
  return last ? validate(ReportedState, last.payload, 'reported') : undefined;
}

function bundleOf(dir: string, files: readonly { path: string }[]): ArtifactBundle {
  return {
    manifestBytes: readFileSync(path.join(dir, 'manifest.json')),
    files: new Map(files.map((f) => [f.path, readFileSync(path.join(dir, f.path)) as Uint8Array])),
  };
}

const hasLonLat = (r: Record<string, unknown>): boolean =>
  [r.lon, r.lat].every((v) => typeof v === 'number' && Number.isFinite(v));

async function predictHttp(
  url: string,
  rows: unknown[],
): Promise<{ status: number; body: { predictions?: number[]; version?: number; error?: { code: string } } }> {
  const res = await fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ rows }),
  });
  return { status: res.status, body: (await res.json()) as { predictions?: number[]; error?: { code: string } } };
}

describe('the model file a device runs follows its engine', () => {
  let root: string;
  let keys: SigningKeyPair;
  let f: SpecFixture;
  let built: Awaited<ReturnType<typeof buildArtifact>>;
  let onnxOnly: FixtureArtifact;
  let gw: FakeGateway;
  const open: Device[] = [];
  let n = 0;

  const newDevice = async (
    engine: InferenceEngine,
    dataDir = mkdtempSync(path.join(root, 'dev-')),
  ): Promise<{ d: Device; id: string; dataDir: string }> => {
    const id = `eng-${++n}`;
    const d = await startDevice({
      id,
      dataDir,
      brokerUrl: gw.broker.url,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      engine,
      chunkTimeoutMs: 2000,
    });
    open.push(d);
    return { d, id, dataDir };
  };

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-engine-file-'));
    keys = generateSigningKeyPair();
    f = specFixture();
    // A real trainer artifact: an MLP over the spec pipeline (cluster_similarity included), float
    // weights, model.onnx + model.tflite; and a hand-built artifact with model.onnx only.
    built = await buildArtifact(await specModel(f, 'mlp', 'regression', { tolerance: -1, name: 'spec-mlp' }), {
      outRoot: path.join(root, 'built'),
      keys,
      now: 0,
      measureLatency: false,
    });
    onnxOnly = writeFixtureArtifact(path.join(root, 'artifacts'), keys, 1);
    gw = await startFakeGateway(path.join(root, 'artifacts'));
    gw.dirs.set(built.artifactId, built.artifactDir);
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });
  afterAll(async () => {
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('picks the manifest file whose role is the engine’s: model.onnx for onnxruntime-web, model.tflite for TFLite', () => {
    expect(built.manifest.files.map((e) => e.role).sort()).toEqual(['card', 'model', 'model-tflite']);
    expect(modelFileFor(built.manifest, createOrtWebEngine())).toMatchObject({ path: 'model.onnx', role: 'model' });
    expect(modelFileFor(built.manifest, createTfliteEngine())).toMatchObject({
      path: 'model.tflite',
      role: 'model-tflite',
    });
    expect(modelFileFor(onnxOnly.manifest, createOrtWebEngine()).path).toBe('model.onnx');
    let err: unknown;
    try {
      modelFileFor(onnxOnly.manifest, createTfliteEngine());
    } catch (e) {
      err = e;
    }
    expect(isOutpostError(err, DeviceErrorCodes.MODEL_FILE_MISSING)).toBe(true);
    expect((err as { details: Record<string, unknown> }).details).toEqual({
      role: 'model-tflite',
      engine: 'tfjs-tflite',
      files: [
        { path: 'model.onnx', role: 'model' },
        { path: 'card.md', role: 'card' },
      ],
    });
    expect((err as Error).message).toContain("no 'model-tflite' file");
  });

  it('a TFLite device installs an artifact with model.tflite: smoke test on the golden examples, then serves its predictions', async () => {
    const { d, id, dataDir } = await newDevice(createTfliteEngine());
    await gw.publishDesired(id, 1, [built]);
    const active = await d.waitForModel();
    expect(active).toMatchObject({ name: 'spec-mlp', artifactId: built.artifactId, modelFile: 'model.tflite' });
    await waitFor('converged report', () => lastReport(gw, id)?.status === 'converged');
    expect(lastReport(gw, id)?.models).toEqual([
      { name: 'spec-mlp', version: built.manifest.version, artifactId: built.artifactId, state: 'active' },
    ]);

    // Served predictions are model.tflite's (TFLite engine), within 1e-5 of model.onnx's.
    // Rows whose lon and lat are finite numbers: the model never saw those missing, so /predict
    // refuses a row without them (the edge cases still cover every other input).
    const rows = f.records.slice(0, 60).filter(hasLonLat);
    const served = await predictHttp(d.httpUrl, rows);
    expect(served.status).toBe(200);
    const tfliteSession = await createTfliteEngine().load(
      readFileSync(path.join(built.artifactDir, 'model.tflite')),
      built.manifest,
    );
    const onnxSession = await createOrtWebEngine().load(
      readFileSync(path.join(built.artifactDir, 'model.onnx')),
      built.manifest,
    );
    try {
      const viaTflite = (await tfliteSession.run(rows)).predictions;
      const viaOnnx = (await onnxSession.run(rows)).predictions;
      expect(served.body.predictions).toEqual(viaTflite);
      served.body.predictions?.forEach((p, i) =>
        expect(
          Math.abs(p - (viaOnnx[i] as number)) / Math.max(1, Math.abs(viaOnnx[i] as number)),
          `row ${i}`,
        ).toBeLessThan(1e-5),
      );
      expect(new Set(served.body.predictions?.map((p) => p.toFixed(2))).size).toBeGreaterThan(20);
    } finally {
      await tfliteSession.release();
      await onnxSession.release();
    }
    expect(existsSync(path.join(dataDir, 'slots', 'a', 'model.tflite'))).toBe(true);

    // Restarted on the same data dir, it loads model.tflite from its slot without the gateway.
    await d.close();
    const again = await newDevice(createTfliteEngine(), dataDir);
    expect(again.d.active()).toMatchObject({ artifactId: built.artifactId, modelFile: 'model.tflite' });
    expect((await again.d.predict(rows.slice(0, 5))).predictions).toEqual(served.body.predictions?.slice(0, 5));
  });

  it('an ONNX device given the same artifact runs its model.onnx', async () => {
    const { d, id } = await newDevice(createOrtWebEngine());
    await gw.publishDesired(id, 1, [built]);
    expect(await d.waitForModel()).toMatchObject({ artifactId: built.artifactId, modelFile: 'model.onnx' });
  });

  it('a TFLite device refuses an artifact without model.tflite with MODEL_FILE_MISSING, writes no slot, and keeps serving', async () => {
    const { d, id, dataDir } = await newDevice(createTfliteEngine());
    await gw.publishDesired(id, 1, [onnxOnly]);
    const report = await waitFor('failed report', () => {
      const r = lastReport(gw, id);
      return r?.status === 'failed' ? r : undefined;
    });
    expect(report.models).toEqual([
      expect.objectContaining({
        name: 'tiny',
        version: 1,
        artifactId: onnxOnly.artifactId,
        state: 'failed',
        error: expect.objectContaining({ code: DeviceErrorCodes.MODEL_FILE_MISSING }),
      }),
    ]);
    expect(report.models[0]?.error?.message).toContain('model-tflite');
    expect(d.active()).toBeUndefined();
    expect(existsSync(path.join(dataDir, 'slots', 'a'))).toBe(false);
    const res = await predictHttp(d.httpUrl, [{ x: 1, c: 'a' }]);
    expect(res.status).toBe(503);
    expect(res.body.error?.code).toBe(DeviceErrorCodes.NO_MODEL);

    // The next assignment, of an artifact with model.tflite, installs.
    await gw.publishDesired(id, 2, [built]);
    expect(await d.waitForModel()).toMatchObject({ artifactId: built.artifactId, modelFile: 'model.tflite' });
    expect((await predictHttp(d.httpUrl, f.records.slice(0, 3).filter(hasLonLat))).status).toBe(200);
    expect((await predictHttp(d.httpUrl, [{}])).status).toBe(400); // lon and lat are required
  });

  it('on start, a slot without the engine’s file is unusable (coded, logged), not a crash', async () => {
    // Installed by an ONNX device, then the device is restarted with the TFLite engine.
    const dataDir = mkdtempSync(path.join(root, 'switch-'));
    const state = await StateFile.open(dataDir, silentLogger);
    const onnxSlots = new ModelSlots(dataDir, state, createOrtWebEngine(), keys.publicKeyPem, silentLogger);
    const bundle = bundleOf(onnxOnly.dir, onnxOnly.manifest.files);
    await onnxSlots.write('a', bundle);
    const loaded = await onnxSlots.load('a', bundle, onnxOnly.artifactId);
    await onnxSlots.activate(loaded);
    await loaded.session.release();

    const tfliteSlots = new ModelSlots(dataDir, state, createTfliteEngine(), keys.publicKeyPem, silentLogger);
    await expect(tfliteSlots.load('a', bundle)).rejects.toSatisfy((e: unknown) =>
      isOutpostError(e, DeviceErrorCodes.MODEL_FILE_MISSING),
    );
    expect(await tfliteSlots.loadOnStart()).toBeUndefined();

    const { d } = await newDevice(createTfliteEngine(), dataDir);
    expect(d.active()).toBeUndefined();
    expect((await predictHttp(d.httpUrl, [{ x: 1, c: 'a' }])).status).toBe(503);
  });
});
