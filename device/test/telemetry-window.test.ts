import { describe, expect, it } from 'vitest';
import { TelemetryWindow, generateSigningKeyPair, validate } from '@outpost/protocol';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TelemetryWindowAccumulator } from '../src/telemetry/window.ts';
import { writeFixtureArtifact } from './helpers/fixture-artifact.ts';

describe('TelemetryWindowAccumulator', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'outpost-window-'));
  const a = writeFixtureArtifact(root, generateSigningKeyPair(), 1);
  rmSync(root, { recursive: true, force: true });
  const model = { name: a.manifest.name, version: 1, artifactId: a.artifactId, manifest: a.manifest };

  it('counts bins (edges are lower-inclusive), missing, out-of-range and unseen categories', () => {
    // x edges [0, 1, 2], range [-5, 5]; c categories a, b, c; prediction edges [10, 20, 30].
    const w = new TelemetryWindowAccumulator(model, Date.parse('2025-01-01T00:00:00Z'));
    w.add({ x: -0.5, c: 'a' }, 5, 0.05); // bin 0; pred bin 0; latency ≤ 0.1
    w.add({ x: 0, c: 'b' }, 10, 0.1); // edge 0 → bin 1; pred edge 10 → bin 1; latency = 0.1 → bucket 0
    w.add({ x: 1, c: 'b' }, 19.9, 0.3); // bin 2; latency bucket 2 (≤ 0.5)
    w.add({ x: 2, c: 'zzz' }, 30, 7); // bin 3; unseen; pred bin 3; latency bucket 6 (≤ 10)
    w.add({ x: 9, c: null }, 25, 5000); // bin 3, out of range; c missing; latency overflow bucket
    w.add({ x: null, c: '' }, NaN, 1); // x missing, c missing; NaN prediction not binned; bucket 3 (≤ 1)
    w.add({ c: 'c' }, 21, 1.0001); // x missing (absent); bucket 4 (≤ 2.5)
    w.add({ x: -6, c: 'c' }, 22, 0); // bin 0, out of range
    w.errors += 2;
    const msg = w.toMessage('dev-1', 42, Date.parse('2025-01-01T00:00:10Z'));
    expect(() => validate(TelemetryWindow, msg, 'window')).not.toThrow();
    expect(msg.rows).toBe(8);
    expect(msg.errors).toBe(2);
    expect(msg.seq).toBe(42);
    // min / max over the values seen (out-of-range ones included), for stuck-sensor checks
    expect(msg.features.x).toEqual({ kind: 'numeric', bins: [2, 1, 1, 2], missing: 2, outOfRange: 2, min: -6, max: 9 });
    expect(msg.features.c).toEqual({ kind: 'categorical', counts: [1, 2, 2], missing: 2, unseen: 1 });
    expect(msg.predictions).toEqual({ bins: [1, 2, 3, 1], min: 5, max: 30, sum: 5 + 10 + 19.9 + 30 + 25 + 21 + 22 });
    expect(msg.latency.counts).toEqual([3, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 1]);
    expect(msg.latency.maxMs).toBe(5000);
    expect(msg.windowStart).toBe('2025-01-01T00:00:00.000Z');
    expect(msg.windowEnd).toBe('2025-01-01T00:00:10.000Z');
    expect(msg.model).toBe('tiny');
    expect(msg.artifactId).toBe(a.artifactId);
  });

  it('an empty window has null min/max and still passes the schema', () => {
    const msg = new TelemetryWindowAccumulator(model, 0).toMessage('dev-1', 1, 0);
    expect(msg.predictions).toEqual({ bins: [0, 0, 0, 0], min: null, max: null, sum: 0 });
    expect(msg.features.x).not.toHaveProperty('min'); // no value seen: no min / max
    expect(() => validate(TelemetryWindow, msg, 'window')).not.toThrow();
  });
});
