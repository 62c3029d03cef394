import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, silentLogger, type ArtifactBundle } from '@outpost/protocol';
import { startEmbeddedBroker } from '@outpost/protocol/broker';
import { createOrtWebEngine, startDevice } from '../src/index.ts';
import { ModelSlots } from '../src/slots.ts';
import { StateFile } from '../src/store/state-file.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';

function bundleOf(a: FixtureArtifact): ArtifactBundle {
  const files = new Map<string, Uint8Array>();
  for (const f of a.manifest.files) files.set(f.path, readFileSync(path.join(a.dir, f.path)));
  return { manifestBytes: readFileSync(path.join(a.dir, 'manifest.json')), files };
}

describe('model slots', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'outpost-slots-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('starts on the other slot when the active one fails verification, and persists state atomically', async () => {
    const keys = generateSigningKeyPair();
    const v1 = writeFixtureArtifact(path.join(root, 'artifacts'), keys, 1);
    const v2 = writeFixtureArtifact(path.join(root, 'artifacts'), keys, 2);
    const dataDir = path.join(root, 'data');
    const engine = createOrtWebEngine();
    const state = await StateFile.open(dataDir, silentLogger);
    const slots = new ModelSlots(dataDir, state, engine, keys.publicKeyPem, silentLogger);
    for (const a of [v1, v2]) {
      const slot = slots.inactive();
      await slots.write(slot, bundleOf(a));
      const loaded = await slots.load(slot, bundleOf(a), a.artifactId);
      await slots.activate(loaded);
      await loaded.session.release();
    }
    expect(JSON.parse(readFileSync(path.join(dataDir, 'state.json'), 'utf8'))).toEqual({
      active: 'b',
      lastAccepted: { tiny: 2 },
      seq: 0,
    });

    // A flipped byte in the active slot's model: the device starts on slot a (v1) instead.
    const model = path.join(dataDir, 'slots', 'b', 'model.onnx');
    const bytes = readFileSync(model);
    bytes[10] = (bytes[10] as number) ^ 0xff;
    writeFileSync(model, bytes);

    const dead = await startEmbeddedBroker({ port: 0 });
    await dead.close();
    const d = await startDevice({
      id: 'slot-dev',
      dataDir,
      brokerUrl: dead.url,
      publicKeyPem: keys.publicKeyPem,
      engine,
    });
    try {
      expect(d.active()).toMatchObject({ version: 1, artifactId: v1.artifactId });
      expect((await d.predict([{ x: 1, c: 'a' }])).version).toBe(1);
      expect(JSON.parse(readFileSync(path.join(dataDir, 'state.json'), 'utf8'))).toMatchObject({
        active: 'a',
        lastAccepted: { tiny: 2 },
      });
    } finally {
      await d.close();
    }
  });

  it('refuses to start on a slot signed by another key', async () => {
    const keys = generateSigningKeyPair();
    const other = generateSigningKeyPair();
    const a = writeFixtureArtifact(path.join(root, 'artifacts2'), keys, 1);
    const dataDir = path.join(root, 'data2');
    const state = await StateFile.open(dataDir, silentLogger);
    const slots = new ModelSlots(dataDir, state, createOrtWebEngine(), keys.publicKeyPem, silentLogger);
    await slots.write('a', bundleOf(a));
    await state.update((s) => ({ ...s, active: 'a' }));
    const strict = new ModelSlots(dataDir, state, createOrtWebEngine(), other.publicKeyPem, silentLogger);
    expect(await strict.loadOnStart()).toBeUndefined();
    const loaded = await slots.loadOnStart();
    expect(loaded?.version).toBe(1);
    await loaded?.session.release();
  });
});
