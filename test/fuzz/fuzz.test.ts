/**
 * Fuzzing every boundary (stack/fuzz/boundaries.ts): a few hundred cases each here, ≥ 10,000 in
 * `bench/fuzz.ts`. No case may crash; every refusal carries a registered code.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readArtifactFolder } from '@outpost/protocol/node';
import { createOrtNodeEngine, provisionModel, startDevice, type Device } from '@outpost/device';
import { startFleet, type Fleet } from '@outpost/fleet';
import { apiBoundary, apiRoutes } from '../../stack/fuzz/api-boundary.ts';
import { cliBoundaries, manifestBoundary, messageBoundaries, topicBoundary } from '../../stack/fuzz/boundaries.ts';
import { predictBoundary } from '../../stack/fuzz/predict-boundary.ts';
import { runBoundary } from '../../stack/fuzz/run-boundary.ts';

const RUNS = 300;
const ROOT = path.join(import.meta.dirname, '..', '..');

describe('fuzzed boundaries: no crash, every refusal coded', () => {
  for (const b of [...messageBoundaries, topicBoundary, ...cliBoundaries]) {
    it(b.name, async () => {
      const r = await runBoundary(b as Parameters<typeof runBoundary>[0], RUNS);
      expect(r.failure).toBeUndefined();
      expect(r.cases).toBe(RUNS);
    });
  }

  it('artifact manifest: only the signed content verifies', async () => {
    const r = await runBoundary(manifestBoundary(), RUNS);
    expect(r.failure).toBeUndefined();
    // Most mutations still parse as JSON, and are then refused on their signature or schema.
    expect(Object.keys(r.refused).length).toBeGreaterThan(1);
  });

  it('the property fails on a boundary that crashes (the harness can fail)', async () => {
    const r = await runBoundary(
      {
        name: 'crashes',
        input: fc.string(),
        run: (s) => {
          if (s.length > 3) throw new TypeError('boom');
          return { accepted: true };
        },
      },
      100,
    );
    expect(r.failure).toMatch(/boom/);
  });

  describe('POST /predict on a real device', () => {
    let root: string;
    let device: Device;
    beforeAll(async () => {
      root = mkdtempSync(path.join(os.tmpdir(), 'outpost-fuzz-'));
      const key = readFileSync(path.join(ROOT, 'firmware-models', 'signing.pub'), 'utf8');
      const engine = createOrtNodeEngine();
      const dataDir = path.join(root, 'd');
      const bundle = readArtifactFolder(path.join(ROOT, 'firmware-models', 'occupancy', '2'));
      await provisionModel({ dataDir, bundle, publicKeyPem: key, engine });
      device = await startDevice({ id: 'fuzz-1', dataDir, brokerUrl: 'mqtt://127.0.0.1:9', publicKeyPem: key, engine });
    });
    afterAll(async () => {
      await device?.close();
      rmSync(root, { recursive: true, force: true });
    });

    it('answers 200 or a coded 4xx to every body, and stays up', async () => {
      const r = await runBoundary(
        predictBoundary(() => device.httpUrl),
        RUNS,
      );
      expect(r.failure).toBeUndefined();
      expect(r.accepted).toBeGreaterThan(0);
      expect((await fetch(`${device.httpUrl}/health`)).status).toBe(200);
    });
  });

  describe('the operator API on a real fleet', () => {
    let root: string;
    let fleet: Fleet;
    beforeAll(async () => {
      root = mkdtempSync(path.join(os.tmpdir(), 'outpost-fuzz-api-'));
      const key = readFileSync(path.join(ROOT, 'firmware-models', 'signing.pub'), 'utf8');
      fleet = await startFleet({ dataDir: path.join(root, 'fleet'), port: 0, apiPort: 0, publicKeyPem: key });
      await fleet.registerArtifact(path.join(ROOT, 'firmware-models', 'housing', '1'));
    });
    afterAll(async () => {
      await fleet?.close();
      rmSync(root, { recursive: true, force: true });
    });

    it('answers every write route a success or a coded 4xx, and stays up', async () => {
      const url = fleet.apiUrl as string;
      const { token } = fleet.tokens.create({ name: 'fuzz', role: 'admin', at: new Date().toISOString() });
      const routes = await apiRoutes(url);
      expect(routes.length).toBeGreaterThan(5);
      const r = await runBoundary(apiBoundary(url, token, routes), RUNS);
      expect(r.failure).toBeUndefined();
      // Bodies built from each route's schema get past validation into the fleet's own checks.
      expect(r.accepted).toBeGreaterThan(0);
      expect(Object.keys(r.refused).length).toBeGreaterThan(2);
      expect((await fetch(`${url}/api/v1/health`)).status).toBe(200);
    });
  });
});
