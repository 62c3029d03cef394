/**
 * `outpost device --engine auto|onnxruntime-node|onnxruntime-web|tflite`: the choice maps to the engine (and so to the artifact file
 * it runs), a bad name is refused before anything starts, and the real CLI process started with
 * `--engine tflite` on a data dir holding a trainer artifact serves model.tflite's predictions.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CliErrorCodes,
  generateSigningKeyPair,
  silentLogger,
  type ArtifactBundle,
  type Manifest,
  type SigningKeyPair,
} from '@outpost/protocol';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { buildArtifact } from '@outpost/trainer';
import { deviceCommands } from '../src/index.ts';
import { DEFAULT_ENGINE, ENGINE_CHOICES, selectEngine } from '../src/inference/engine-choice.ts';
import { ModelSlots } from '../src/slots.ts';
import { StateFile } from '../src/store/state-file.ts';
import { specFixture, specModel, type SpecFixture } from './helpers/spec-models.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');

describe('outpost device --engine', () => {
  it('maps each name to its engine and the file it runs; auto (the default) picks onnxruntime-node on linux x64/arm64', async () => {
    expect(DEFAULT_ENGINE).toBe('auto');
    const auto = await selectEngine('auto');
    // onnxruntime-node ships binaries for linux x64 and arm64 (CI and a 64-bit Pi).
    if (process.platform === 'linux' && ['x64', 'arm64'].includes(process.arch))
      expect(auto.engine).toMatchObject({ name: 'onnxruntime-node', modelRole: 'model' });
    expect(auto.reason).toContain(`${process.platform}-${process.arch}`);
    // Where the native binary does not load (32-bit ARM), auto falls back to the wasm runtime and says why.
    const fallback = await selectEngine('auto', {
      probeOrtNode: () => Promise.resolve({ available: false, reason: 'no binary for linux-arm' }),
    });
    expect(fallback.engine).toMatchObject({ name: 'onnxruntime-web', modelRole: 'model' });
    expect(fallback.reason).toContain('no binary for linux-arm');
    expect((await selectEngine('onnxruntime-web')).engine).toMatchObject({
      name: 'onnxruntime-web',
      modelRole: 'model',
    });
    expect((await selectEngine('onnxruntime-node')).engine).toMatchObject({
      name: 'onnxruntime-node',
      modelRole: 'model',
    });
    expect((await selectEngine('tflite')).engine).toMatchObject({ name: 'tfjs-tflite', modelRole: 'model-tflite' });
    await expect(selectEngine('coreml')).rejects.toThrow(expect.objectContaining({ code: CliErrorCodes.CLI_ARGS }));
    const [cmd] = deviceCommands();
    const option = cmd?.options.find((o) => o.long === '--engine');
    expect(option?.defaultValue).toBe('auto');
    expect(option?.argChoices).toEqual([...ENGINE_CHOICES]);
  });

  it('refuses an engine it does not have before starting anything', async () => {
    const [cmd] = deviceCommands();
    let err = '';
    cmd!.exitOverride().configureOutput({ writeErr: (s) => (err += s), writeOut: () => {} });
    await expect(
      cmd!.parseAsync(
        ['--id', 'd1', '--data-dir', '/tmp/x', '--broker', 'mqtt://h', '--public-key', 'k.pem', '--engine', 'coreml'],
        { from: 'user' },
      ),
    ).rejects.toThrow();
    expect(err).toMatch(
      /--engine <name>.*coreml.*Allowed choices are auto, onnxruntime-node, onnxruntime-web, tflite/s,
    );
  });

  describe('the CLI process', () => {
    let root: string;
    let keys: SigningKeyPair;
    let f: SpecFixture;
    let dataDir: string;
    let artifactDir: string;

    beforeAll(async () => {
      root = mkdtempSync(path.join(os.tmpdir(), 'outpost-cli-engine-'));
      keys = generateSigningKeyPair();
      f = specFixture();
      const built = await buildArtifact(
        await specModel(f, 'logistic', 'binary', { tolerance: -1, name: 'cli-tflite' }),
        { outRoot: path.join(root, 'built'), keys, now: 0, measureLatency: false },
      );
      artifactDir = built.artifactDir;
      // Installed as an update would: written to slot a, loaded with the TFLite engine, activated.
      dataDir = path.join(root, 'device');
      const state = await StateFile.open(dataDir, silentLogger);
      const slots = new ModelSlots(
        dataDir,
        state,
        (await selectEngine('tflite')).engine,
        keys.publicKeyPem,
        silentLogger,
      );
      const bundle: ArtifactBundle = {
        manifestBytes: readFileSync(path.join(artifactDir, 'manifest.json')),
        files: new Map(
          built.manifest.files.map((e) => [e.path, readFileSync(path.join(artifactDir, e.path)) as Uint8Array]),
        ),
      };
      await slots.write('a', bundle);
      const loaded = await slots.load('a', bundle, built.artifactId);
      expect(loaded.modelFile).toBe('model.tflite');
      await slots.activate(loaded);
      await loaded.session.release();
      writeFileSync(path.join(root, 'signing.pub'), keys.publicKeyPem);
    });
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    it('--engine tflite serves the installed artifact through model.tflite', async () => {
      const dead = await startEmbeddedBroker({ port: 0 });
      await dead.close(); // the broker being down never blocks a device's start
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          path.join(ROOT, 'bin', 'outpost.ts'),
          'device',
          '--id',
          'cli-tfl',
          '--data-dir',
          dataDir,
          '--broker',
          dead.url,
          '--public-key',
          path.join(root, 'signing.pub'),
          '--engine',
          'tflite',
          '--log-level',
          'warn',
        ],
        { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr.on('data', (b: Buffer) => (out += b.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const deadline = Date.now() + 60_000;
        let url: string | undefined;
        while (!(url = /serving on (http:\/\/\S+)/.exec(out)?.[1])) {
          if (child.exitCode !== null) throw new Error(`device exited ${child.exitCode}:\n${out}`);
          if (Date.now() > deadline) throw new Error(`device did not start:\n${out}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        expect(out).toContain(
          '(engine tfjs-tflite, asked for; runs model-tflite files; cli-tflite v1 from model.tflite)',
        );
        // lon and lat are required by /predict (never missing in training): rows without them are left out.
        const rows = f.records
          .slice(0, 40)
          .filter((r) => [r.lon, r.lat].every((v) => typeof v === 'number' && Number.isFinite(v)));
        const res = await fetch(`${url}/predict`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ rows }),
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { predictions: number[]; model: string };
        const manifest = JSON.parse(readFileSync(path.join(artifactDir, 'manifest.json'), 'utf8')) as Manifest;
        const session = await (
          await selectEngine('tflite')
        ).engine.load(readFileSync(path.join(artifactDir, 'model.tflite')), manifest);
        try {
          expect(body.predictions).toEqual((await session.run(rows)).predictions);
        } finally {
          await session.release();
        }
        expect(new Set(body.predictions).size).toBe(2); // labels of a binary model, both seen
      } finally {
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
      }
      expect(out).toContain('device stopped');
    }, 90_000);

    it("the same slot under the onnx engine runs the artifact's model.onnx", async () => {
      const state = await StateFile.open(dataDir, silentLogger);
      const slots = new ModelSlots(
        dataDir,
        state,
        (await selectEngine('onnxruntime-web')).engine,
        keys.publicKeyPem,
        silentLogger,
      );
      const loaded = await slots.loadOnStart();
      try {
        expect(loaded?.modelFile).toBe('model.onnx');
      } finally {
        await loaded?.session.release();
      }
    });
  });
});
