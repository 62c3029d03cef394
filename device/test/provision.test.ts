/**
 * `outpost provision`: a signed artifact installed into a stopped device's data dir through the
 * update path's checks — verified, smoke-tested, then made active — and served on the next start
 * without any gateway. Uses the committed occupancy builds and the repository's release key.
 */
import { EventEmitter } from 'node:events';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { ErrorCodes, generateSigningKeyPair, isOutpostError } from '@outpost/protocol';
import { readArtifactFolder, runProgram, type CliIO } from '@outpost/protocol/node';
import { DeviceErrorCodes, createOrtNodeEngine, deviceCommands, startDevice } from '../src/index.ts';
import { provisionModel } from '../src/provision.ts';

const ROOT = path.join(import.meta.dirname, '..', '..');
const MODELS = path.join(ROOT, 'firmware-models');
const KEY = readFileSync(path.join(MODELS, 'signing.pub'), 'utf8');
const V1 = path.join(MODELS, 'occupancy', '1');
const V2 = path.join(MODELS, 'occupancy', '2');

describe('provisioning a device with a model', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-provision-'));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('installs a committed build that the device then serves with no gateway', async () => {
    const dataDir = path.join(root, 'served');
    const engine = createOrtNodeEngine();
    const result = await provisionModel({ dataDir, bundle: readArtifactFolder(V2), publicKeyPem: KEY, engine });
    expect(result).toMatchObject({ name: 'occupancy', version: 2, slot: 'a', modelFile: 'model.onnx' });
    const device = await startDevice({
      id: 'prov-1',
      dataDir,
      // Nothing listens there: the device serves its provisioned model on its own.
      brokerUrl: 'mqtt://127.0.0.1:9',
      publicKeyPem: KEY,
      engine,
    });
    try {
      expect(device.active()).toMatchObject({ name: 'occupancy', version: 2, artifactId: result.artifactId });
      const manifest = JSON.parse(readFileSync(path.join(V2, 'manifest.json'), 'utf8')) as {
        golden: { inputs: Record<string, unknown> }[];
      };
      const res = await fetch(`${device.httpUrl}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: manifest.golden[0]?.inputs }),
      });
      expect(res.status).toBe(200);
    } finally {
      await device.close();
    }
  });

  it('refuses a tampered file, a foreign key and an older version, and keeps the active model', async () => {
    const dataDir = path.join(root, 'guarded');
    const engine = createOrtNodeEngine();
    await provisionModel({ dataDir, bundle: readArtifactFolder(V2), publicKeyPem: KEY, engine });

    const tampered = path.join(root, 'tampered');
    cpSync(V2, tampered, { recursive: true });
    const model = readFileSync(path.join(tampered, 'model.onnx'));
    model.writeUInt8(model.readUInt8(model.length - 1) ^ 0xff, model.length - 1);
    writeFileSync(path.join(tampered, 'model.onnx'), model);
    await expect(
      provisionModel({ dataDir, bundle: readArtifactFolder(tampered), publicKeyPem: KEY, engine }),
    ).rejects.toSatisfy((e) => isOutpostError(e, ErrorCodes.HASH_MISMATCH));

    const foreign = generateSigningKeyPair().publicKeyPem;
    await expect(
      provisionModel({ dataDir, bundle: readArtifactFolder(V2), publicKeyPem: foreign, engine }),
    ).rejects.toSatisfy((e) => isOutpostError(e, ErrorCodes.SIGNATURE_INVALID));

    await expect(
      provisionModel({ dataDir, bundle: readArtifactFolder(V1), publicKeyPem: KEY, engine }),
    ).rejects.toSatisfy((e) => isOutpostError(e, DeviceErrorCodes.VERSION_NOT_NEWER));

    const state = JSON.parse(readFileSync(path.join(dataDir, 'state.json'), 'utf8')) as {
      active: string;
      lastAccepted: Record<string, number>;
    };
    expect(state).toMatchObject({ active: 'a', lastAccepted: { occupancy: 2 } });
  });

  it('`outpost provision` prints what it installed, and a folder without a manifest is a coded error', async () => {
    const run = async (args: string[]): Promise<{ lines: string[]; code?: number }> => {
      const io: CliIO & { lines: string[]; code?: number } = {
        lines: [],
        out: (t) => io.lines.push(t),
        err: (t) => io.lines.push(t),
        setExitCode: (c) => (io.code = c),
      };
      const program = new Command('outpost');
      for (const c of deviceCommands({ io, signals: new EventEmitter() })) program.addCommand(c);
      await runProgram(program, ['node', 'outpost', 'provision', ...args], io);
      return io;
    };
    const dataDir = path.join(root, 'cli');
    const keyFile = path.join(MODELS, 'signing.pub');
    const ok = await run(['--artifact', V1, '--data-dir', dataDir, '--public-key', keyFile]);
    expect(ok.code).toBe(0);
    expect(ok.lines.join('\n')).toMatch(/provisioned occupancy v1 \([0-9a-f]{12}\) into slot a: model\.onnx passed/);
    const bad = await run(['--artifact', root, '--data-dir', dataDir, '--public-key', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.lines.join('\n')).toContain(ErrorCodes.ARTIFACT_FOLDER_INVALID);
  });
});
