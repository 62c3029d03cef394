import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOutpostError, type Manifest } from '@outpost/protocol';
import { driftReport, modelDrift } from '../src/drift/drift-report.ts';
import { FleetErrorCodes } from '../src/errors.ts';
import { createMemoryStore } from '../src/store/memory-store.ts';
import type { FleetStore } from '../src/store/fleet-store.ts';
import { fixtureManifest, fixtureWindow } from './fixtures.ts';

const AT = '2025-01-01T00:00:00.000Z';
const manifest = fixtureManifest('housing', 1, [
  { path: 'model.onnx', bytes: Buffer.from('m'), role: 'model' },
]) as Manifest;

describe('driftReport', () => {
  let store: FleetStore;
  beforeEach(() => {
    store = createMemoryStore();
  });
  afterEach(() => store.close());

  it('gives psi ≈ 0 for counts proportional to the reference, summed over windows', () => {
    store.insertTelemetry(
      fixtureWindow('dev1', 0, { x: [500, 500, 500, 500], color: [1000, 1000, 0], pred: [1000, 1000] }),
      AT,
    );
    store.insertTelemetry(
      fixtureWindow('dev1', 1, { x: [100, 100, 100, 100], color: [200, 200, 0], pred: [200, 200] }),
      AT,
    );
    const report = driftReport(store, manifest);
    expect(report.windows).toBe(2);
    expect(report.rows).toBe(2400);
    for (const f of report.features) {
      expect(f.psi).not.toBeNull();
      expect(f.psi as number).toBeLessThan(1e-9);
      expect(f.status).toBe('ok');
      expect(f.rows).toBe(2400);
    }
    expect(report.prediction.psi as number).toBeLessThan(1e-9);
    expect(report.prediction.status).toBe('ok');
  });

  it('flags a shifted feature as major, sorted first, and counts unseen categories as their own bin', () => {
    store.insertTelemetry(
      fixtureWindow('dev1', 0, { x: [50, 50, 400, 1500], color: [1000, 950, 50], pred: [1000, 1000] }),
      AT,
    );
    const report = driftReport(store, manifest);
    const [first, second] = report.features;
    expect(first?.feature).toBe('x');
    expect(first?.psi as number).toBeGreaterThan(0.25);
    expect(first?.status).toBe('major');
    expect(second?.feature).toBe('color');
    // 2.5% unseen against a reference of 0 (smoothed to ε): ≈ 0.025·ln(0.025/1e-4) ≈ 0.14
    expect(second?.psi as number).toBeGreaterThan(0.1);
    expect(second?.psi as number).toBeLessThan(0.25);
    expect(second?.status).toBe('moderate');
    expect(second?.js as number).toBeGreaterThan(0);
    expect(report.prediction.status).toBe('ok');
  });

  it('marks windows under the minimum rows (default 500) as small-window, and honours custom thresholds', () => {
    store.insertTelemetry(fixtureWindow('dev1', 0, { x: [1, 1, 10, 20] }), AT);
    const small = driftReport(store, manifest);
    expect(small.features.find((f) => f.feature === 'x')?.status).toBe('small-window');
    expect(small.features.find((f) => f.feature === 'x')?.psi as number).toBeGreaterThan(0.25);

    store.insertTelemetry(fixtureWindow('dev2', 0, { x: [220, 280, 250, 250] }), AT);
    const dev2 = driftReport(store, manifest, { device: 'dev2' });
    expect(dev2.device).toBe('dev2');
    const x = dev2.features.find((f) => f.feature === 'x');
    expect(x?.status).toBe('ok');
    const strict = driftReport(store, manifest, { device: 'dev2', thresholds: { moderate: 0.001, major: 0.5 } });
    expect(strict.features.find((f) => f.feature === 'x')?.status).toBe('moderate');
  });

  it('reports no rows as small-window with null distances and skips mismatched bins', () => {
    const empty = driftReport(store, manifest);
    expect(empty.windows).toBe(0);
    expect(empty.features.every((f) => f.psi === null && f.status === 'small-window')).toBe(true);
    store.insertTelemetry(fixtureWindow('dev1', 0, { x: [50, 50, 100] }), AT);
    const mismatched = driftReport(store, manifest);
    expect(mismatched.mismatched).toBe(1);
    expect(mismatched.features.find((f) => f.feature === 'x')?.rows).toBe(0);
  });

  it('modelDrift picks the latest registered version and names unknown models', () => {
    let err: unknown;
    try {
      modelDrift(store, 'nope');
    } catch (e) {
      err = e;
    }
    expect(isOutpostError(err, FleetErrorCodes.UNKNOWN_MODEL)).toBe(true);
    store.putArtifact({
      artifactId: 'a'.repeat(64),
      name: 'housing',
      version: 1,
      manifest,
      dir: '/x',
      registeredAt: AT,
    });
    store.insertTelemetry(fixtureWindow('dev1', 0), AT);
    expect(modelDrift(store, 'housing').windows).toBe(1);
    expect(() => modelDrift(store, 'housing', { version: 9 })).toThrow(
      expect.objectContaining({ code: FleetErrorCodes.VERSION_NOT_REGISTERED }),
    );
  });
});
