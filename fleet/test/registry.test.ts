import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isOutpostError } from '@outpost/protocol';
import { FleetErrorCodes } from '../src/errors.ts';
import { artifactDir, createArtifactReader, registerArtifact, type RegistryDeps } from '../src/registry.ts';
import { openSqliteStore } from '../src/store/sqlite-store.ts';
import { fixedClock, newKeys, tempDir, writeFixtureArtifact } from './fixtures.ts';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isOutpostError(err) ? err.code : `not an OutpostError: ${String(err)}`;
  }
  return undefined;
}

describe('registry', () => {
  const keys = newKeys();
  let tmp: ReturnType<typeof tempDir>;
  let deps: RegistryDeps;

  beforeEach(() => {
    tmp = tempDir();
    const dataDir = join(tmp.dir, 'data');
    deps = {
      store: openSqliteStore(join(dataDir, 'fleet.db')),
      dataDir,
      publicKeyPem: keys.publicKeyPem,
      clock: fixedClock,
    };
  });
  afterEach(() => {
    deps.store.close();
    tmp.remove();
  });

  it('registers a signed artifact: verifies, copies the files, stores the row', () => {
    const a = writeFixtureArtifact(tmp.dir, keys);
    const result = registerArtifact(deps, a.dir);
    expect(result).toEqual({ artifactId: a.artifactId, name: 'housing', version: 1 });
    const target = artifactDir(deps.dataDir, a.artifactId);
    expect(Buffer.compare(readFileSync(join(target, 'model.onnx')), a.modelBytes)).toBe(0);
    expect(
      Buffer.compare(readFileSync(join(target, 'manifest.json')), readFileSync(join(a.dir, 'manifest.json'))),
    ).toBe(0);
    expect(existsSync(join(target, 'card.md'))).toBe(true);
    const row = deps.store.getArtifact(a.artifactId);
    expect(row).toMatchObject({ name: 'housing', version: 1, dir: target, registeredAt: '2025-01-01T00:00:00.000Z' });
    expect(deps.store.latestVersion('housing')).toBe(1);
  });

  it('is idempotent for the same artifact and refuses the same version with another artifact', () => {
    const a = writeFixtureArtifact(tmp.dir, keys);
    registerArtifact(deps, a.dir);
    expect(registerArtifact(deps, a.dir)).toEqual({ artifactId: a.artifactId, name: 'housing', version: 1 });
    expect(deps.store.listArtifacts()).toHaveLength(1);
    const b = writeFixtureArtifact(tmp.dir, keys, 'housing', 1, 1000);
    expect(b.artifactId).not.toBe(a.artifactId);
    expect(codeOf(() => registerArtifact(deps, b.dir))).toBe(FleetErrorCodes.VERSION_EXISTS);
    expect(deps.store.listArtifacts().map((r) => r.artifactId)).toEqual([a.artifactId]);
    expect(existsSync(artifactDir(deps.dataDir, b.artifactId))).toBe(false);
  });

  it('refuses a tampered model file (HASH_MISMATCH) and stores nothing', () => {
    const a = writeFixtureArtifact(tmp.dir, keys);
    const bytes = Buffer.from(a.modelBytes);
    bytes[1234] = (bytes[1234] ?? 0) ^ 0x01;
    writeFileSync(join(a.dir, 'model.onnx'), bytes);
    expect(codeOf(() => registerArtifact(deps, a.dir))).toBe(ErrorCodes.HASH_MISMATCH);
    expect(deps.store.listArtifacts()).toEqual([]);
    expect(existsSync(artifactDir(deps.dataDir, a.artifactId))).toBe(false);
  });

  it('refuses an artifact signed with another key (SIGNATURE_INVALID) without burning its version', () => {
    const a = writeFixtureArtifact(tmp.dir, newKeys());
    expect(codeOf(() => registerArtifact(deps, a.dir))).toBe(ErrorCodes.SIGNATURE_INVALID);
    expect(deps.store.listArtifacts()).toEqual([]);
    // The same (name, version) signed with the fleet's key registers afterwards.
    const genuine = writeFixtureArtifact(tmp.dir, keys);
    expect(registerArtifact(deps, genuine.dir)).toMatchObject({ name: a.manifest.name, version: a.manifest.version });
  });

  it('names a folder without manifest.json and a manifest that is not JSON', () => {
    expect(codeOf(() => registerArtifact(deps, join(tmp.dir, 'nowhere')))).toBe(ErrorCodes.ARTIFACT_FOLDER_INVALID);
    const a = writeFixtureArtifact(tmp.dir, keys);
    writeFileSync(join(a.dir, 'manifest.json'), '{nope');
    expect(codeOf(() => registerArtifact(deps, a.dir))).toBe(ErrorCodes.NOT_JSON);
  });

  it('serves only registered ids and only manifest.json or listed files', async () => {
    const a = writeFixtureArtifact(tmp.dir, keys);
    const read = createArtifactReader(deps.store, deps.dataDir);
    expect(await read(a.artifactId, 'model.onnx')).toBeUndefined(); // not registered yet
    registerArtifact(deps, a.dir);
    writeFileSync(join(artifactDir(deps.dataDir, a.artifactId), 'secret.txt'), 'x');
    expect(Buffer.compare(Buffer.from((await read(a.artifactId, 'model.onnx')) ?? []), a.modelBytes)).toBe(0);
    // The manifest as signed, byte for byte (its bytes are what the artifact id hashes).
    expect(Buffer.from((await read(a.artifactId, 'manifest.json')) ?? []).toString('utf8')).toBe(
      readFileSync(join(a.dir, 'manifest.json'), 'utf8'),
    );
    expect(await read(a.artifactId, 'secret.txt')).toBeUndefined();
    expect(await read('f'.repeat(64), 'model.onnx')).toBeUndefined();
  });
});
