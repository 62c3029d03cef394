/**
 * The committed builds in firmware-models/ are genuine: every `<name>/<version>/` artifact verifies
 * (manifest schema, ed25519 signature against the committed release key, sha256 of every file), and
 * its model runs its own golden examples in onnxruntime-web as a device's smoke test would. Each
 * spec's current (latest) build is within the spec's size budget.
 * (Latency budgets are measured by bench/budgets.ts, not asserted by a test.)
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { MANIFEST_FILE, modelFileOf, verifyArtifact } from '@outpost/protocol';
import { parse as parseYaml } from 'yaml';

const root = join(import.meta.dirname, '..', '..', 'firmware-models');
const publicKeyPem = readFileSync(join(root, 'signing.pub'), 'utf8');
const artifacts = readdirSync(root)
  .filter((n) => statSync(join(root, n)).isDirectory())
  .flatMap((n) =>
    readdirSync(join(root, n))
      .filter((v) => /^\d+$/.test(v))
      .map((v) => join(root, n, v)),
  );

/**
 * Current builds built before their spec had a budget and over it, waiting for a rebuild signed
 * with the release key (firmware-models/README.md "Budgets"). The test fails once the listed
 * version is no longer the latest, so the entry goes when the rebuild lands.
 */
const OVER_BUDGET_AWAITING_REBUILD: Record<string, string> = { housing: '1' };

const latest = (name: string): string =>
  String(
    Math.max(
      ...readdirSync(join(root, name))
        .filter((v) => /^\d+$/.test(v))
        .map(Number),
    ),
  );

describe('firmware-models', () => {
  it('holds a build of each shipped spec', () => {
    const names = new Set(artifacts.map((a) => a.split('/').slice(-2)[0]));
    expect([...names].sort()).toEqual(['housing', 'occupancy', 'shipping']);
  });

  it.each(['housing', 'occupancy', 'shipping'])('%s: the current build is within its spec size budget', (name) => {
    const spec = parseYaml(readFileSync(join(root, name, 'problem.yaml'), 'utf8')) as {
      constraints?: { max_model_bytes?: number; max_latency_us?: number };
    };
    const budget = spec.constraints?.max_model_bytes;
    expect(budget, `${name}/problem.yaml constraints.max_model_bytes`).toBeTypeOf('number');
    expect(spec.constraints?.max_latency_us, `${name}/problem.yaml constraints.max_latency_us`).toBeTypeOf('number');
    const version = latest(name);
    const manifest = JSON.parse(readFileSync(join(root, name, version, MANIFEST_FILE), 'utf8')) as {
      files: { path: string; bytes: number }[];
    };
    const bytes = manifest.files.find((f) => f.path === 'model.onnx')?.bytes as number;
    if (OVER_BUDGET_AWAITING_REBUILD[name] !== undefined) {
      expect(version, `${name}: the rebuild landed — drop it from OVER_BUDGET_AWAITING_REBUILD`).toBe(
        OVER_BUDGET_AWAITING_REBUILD[name],
      );
      expect(bytes).toBeGreaterThan(budget as number);
    } else expect(bytes).toBeLessThanOrEqual(budget as number);
  });

  it.each(artifacts)('%s verifies and passes its golden examples', async (dir) => {
    const manifestBytes = readFileSync(join(dir, MANIFEST_FILE));
    const listed = (JSON.parse(manifestBytes.toString()) as { files: { path: string }[] }).files;
    const files = new Map(listed.map((f) => [f.path, readFileSync(join(dir, f.path)) as Uint8Array]));
    const manifest = verifyArtifact({ manifestBytes, files }, publicKeyPem);
    const session = await ort.InferenceSession.create(files.get(modelFileOf(manifest)) as Uint8Array);
    try {
      for (const g of manifest.golden) {
        const feeds: Record<string, ort.Tensor> = {};
        for (const input of manifest.inputs) {
          const v = g.inputs[input.name] ?? null;
          feeds[input.name] =
            input.type === 'float'
              ? new ort.Tensor('float32', Float32Array.of(typeof v === 'number' ? v : NaN), [1, 1])
              : new ort.Tensor('string', [typeof v === 'string' ? v : ''], [1, 1]);
        }
        const out = await session.run(feeds);
        for (const [name, want] of Object.entries(g.outputs)) {
          const got = Array.from(out[name]?.data as ArrayLike<number | bigint>, Number);
          want.forEach((w, i) =>
            expect(Math.abs((got[i] as number) - w)).toBeLessThanOrEqual(1e-4 * Math.abs(w) + 1e-6),
          );
        }
      }
    } finally {
      await session.release();
    }
  });
});
