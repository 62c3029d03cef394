import { existsSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keyId } from '@outpost/protocol';
import { loadOrCreateKeyPair } from '../src/node/keys.ts';
import { tempDir } from './helpers.ts';
import { ErrorCodes } from '../src/index.ts';

describe('loadOrCreateKeyPair', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('creates a key pair with a 0600 private key, then reads the same pair back', () => {
    const dir = join(tmp.dir, 'keys');
    const created = loadOrCreateKeyPair(dir);
    expect(statSync(join(dir, 'signing.key')).mode & 0o777).toBe(0o600);
    expect(loadOrCreateKeyPair(dir)).toEqual(created);
    rmSync(join(dir, 'signing.pub'));
    expect(keyId(loadOrCreateKeyPair(dir).publicKeyPem)).toBe(keyId(created.publicKeyPem));
    expect(existsSync(join(dir, 'signing.pub'))).toBe(true);
  });

  it('refuses to replace a public key whose private key is gone', () => {
    const dir = join(tmp.dir, 'orphan');
    loadOrCreateKeyPair(dir);
    rmSync(join(dir, 'signing.key'));
    expect(() => loadOrCreateKeyPair(dir)).toThrow(expect.objectContaining({ code: ErrorCodes.KEY_INVALID }));
  });
});
