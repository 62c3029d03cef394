/**
 * A small spec built twice with the same seed, keys and creation time gives the same bytes for
 * every file — through the whole path `outpost build` takes (spec → quick training run →
 * int8-vs-float decision in onnxruntime-web, golden outputs in process → signed artifact); another
 * seed gives another model.onnx. The same spec and data copied into two checkout folders of
 * different paths build the same bytes too: the manifest and card name the data relative to the spec.
 */
import { cpSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, sha256Hex } from '@outpost/protocol';
import { buildArtifact, type BuiltArtifact } from '../src/artifact/build.ts';
import { buildFromSpec } from '../src/cli/build-command.ts';
import { mulberry32 } from '../src/random.ts';
import { runTraining } from '../src/run/run-training.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir('outpost-repro-');
afterAll(() => tmp.cleanup());
const CREATED_AT = Date.UTC(2024, 4, 6, 7, 8, 9);
const keys = generateSigningKeyPair();

/** spec/{problem.yaml,data.csv}: 200 rows, a missing value, a string column, an MLP candidate. */
function tinySpec(): string {
  const dir = join(tmp.dir, 'spec');
  mkdirSync(dir, { recursive: true });
  const rng = mulberry32(9);
  const rows = ['a,b,kind,y'];
  for (let i = 0; i < 200; i++) {
    const a = Math.round(rng() * 100) / 10;
    const b = Math.round(rng() * 50) / 10;
    const kind = rng() < 0.5 ? 'x' : 'z';
    rows.push(`${i % 23 === 0 ? '' : a},${b},${kind},${(2 * a - b * b + (kind === 'x' ? 4 : 0) + rng()).toFixed(3)}`);
  }
  writeFileSync(join(dir, 'data.csv'), `${rows.join('\n')}\n`);
  writeFileSync(
    join(dir, 'problem.yaml'),
    [
      'name: repro',
      'objective: a tiny regression for the reproducible-build test',
      'task: regression',
      'data:',
      '  - csv: data.csv',
      'target: y',
      'metric: rmse',
      'seed: 5',
      'cleaning:',
      '  - { op: impute, columns: [a], strategy: median }',
      'feature_steps:',
      '  - { op: onehot, columns: [kind] }',
      '  - { op: scale, method: standard }',
      'candidates:',
      '  mlp: {}',
      '',
    ].join('\n'),
  );
  return join(dir, 'problem.yaml');
}

const specFile = tinySpec();

/** What `outpost build` does (cli/build-command.ts buildFromSpec), with latency not measured. */
async function build(out: string, seed: number): Promise<BuiltArtifact> {
  const loaded = loadSpec(specFile);
  const runDir = join(tmp.dir, `run-${out}`);
  const { trainedModel } = await runTraining(loaded, { seed, runDir, quick: true });
  return buildArtifact(trainedModel, {
    outRoot: join(tmp.dir, out),
    keys,
    now: CREATED_AT,
    version: 1,
    measureLatency: false,
  });
}

function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((n) => [n, sha256Hex(readFileSync(join(dir, n)))]),
  );
}

describe('reproducible build', () => {
  it('same seed, keys and createdAt → identical sha256 for every file; another seed → another model.onnx', async () => {
    const a = await build('a', 5);
    const b = await build('b', 5);
    const ha = hashes(a.artifactDir);
    expect(Object.keys(ha)).toEqual(expect.arrayContaining(['model.onnx', 'card.md', 'manifest.json']));
    expect(hashes(b.artifactDir)).toEqual(ha);
    expect(a.manifest.trainer.algorithm).toBe('mlp');
    expect(a.manifest.metrics.size_bytes_int8).toBeDefined();
    const c = await build('c', 6);
    expect(hashes(c.artifactDir)['model.onnx']).not.toBe(ha['model.onnx']);
  }, 120_000);
});

describe('a second checkout', () => {
  it('builds the same bytes from another folder, and the manifest names no absolute path', async () => {
    // The spec's data sits beside it in one folder and one level up in the other layout's sense:
    // here both checkouts hold spec/{problem.yaml,data.csv}, at paths of different depth and length.
    const roots = [join(tmp.dir, 'c1'), join(tmp.dir, 'a-much-longer-checkout-folder-name', 'nested', 'outpost')];
    const built = [];
    for (const root of roots) {
      cpSync(join(tmp.dir, 'spec'), join(root, 'firmware-models', 'repro'), { recursive: true });
      built.push(
        await buildFromSpec(join(root, 'firmware-models', 'repro'), {
          keys: join(tmp.dir, 'keys'),
          createdAt: '2024-05-06T07:08:09Z',
          quick: true,
          json: true,
        }),
      );
    }
    const [a, b] = built.map((r) => r.built) as [BuiltArtifact, BuiltArtifact];
    expect(a.artifactDir).toBe(join(roots[0] as string, 'firmware-models', 'repro', '1'));
    expect(hashes(b.artifactDir)).toEqual(hashes(a.artifactDir));
    expect(b.artifactId).toBe(a.artifactId);
    expect(a.manifest.trainingData.source).toBe('data.csv');
    const text =
      readFileSync(join(a.artifactDir, 'manifest.json'), 'utf8') + readFileSync(join(a.artifactDir, 'card.md'), 'utf8');
    expect(text).not.toContain(tmp.dir);
  }, 180_000);
});
