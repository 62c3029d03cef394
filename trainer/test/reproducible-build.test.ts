/**
 * Issue "Model artifacts" §5 (CI): a small spec built twice with the same seed, keys and creation
 * time gives the same bytes for every file — through the whole path `outpost build` takes (spec →
 * quick training run → int8-vs-float decision and golden outputs in onnxruntime-web → signed
 * artifact); another seed gives another model.onnx.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, sha256Hex } from '@outpost/protocol';
import { buildArtifact, type BuiltArtifact } from '../src/artifact/build.ts';
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
  }, 30_000);
});
