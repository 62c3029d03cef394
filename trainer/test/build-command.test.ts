/**
 * `outpost build <spec folder>`: trains the spec (the real training run, quick, on a tiny CSV) and
 * writes a signed artifact whose bytes are the same on a rebuild; arguments and the creation-time
 * rule; the command wiring with an injected training function.
 */
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { CliErrorCodes, sha256Hex, verifyArtifact } from '@outpost/protocol';
import { buildFromSpec, createBuildCommand, createdAtOf, type TrainFn } from '../src/cli/build-command.ts';
import { mulberry32 } from '../src/random.ts';
import { fitKind, fixture, trainedModel } from './export-fixtures.ts';
import { tempDir } from './helpers.ts';

const tmp = tempDir('outpost-build-cmd-');
afterAll(() => tmp.cleanup());
afterEach(() => vi.restoreAllMocks());

/** firmware-models/tiny/{problem.yaml,data.csv} under the temp folder. */
function tinySpec(): string {
  const dir = join(tmp.dir, 'firmware-models', 'tiny');
  mkdirSync(dir, { recursive: true });
  const rng = mulberry32(1);
  const colors = ['red', 'green', 'blue', ''];
  const rows = ['a,b,color,y'];
  for (let i = 0; i < 240; i++) {
    const a = Math.round(rng() * 1000) / 10;
    const b = Math.floor(rng() * 6);
    const c = colors[Math.floor(rng() * 4)] as string;
    rows.push(`${i % 17 === 0 ? '' : a},${b},${c},${(3 * a + 10 * b + (c === 'red' ? 20 : 0) + rng() * 5).toFixed(2)}`);
  }
  writeFileSync(join(dir, 'data.csv'), `${rows.join('\n')}\n`);
  writeFileSync(
    join(dir, 'problem.yaml'),
    [
      'name: tiny',
      'objective: a tiny regression for build tests',
      'task: regression',
      'data:',
      '  - csv: data.csv',
      'target: y',
      'metric: rmse',
      'seed: 5',
      'cleaning:',
      '  - { op: impute, columns: [a], strategy: median }',
      'feature_steps:',
      '  - { op: ratio, name: a_per_b, numerator: a, denominator: b }',
      '  - { op: onehot, columns: [color] }',
      '  - { op: scale, method: standard }',
      'candidates:',
      '  linear: {}',
      '',
    ].join('\n'),
  );
  return dir;
}

const spec = tinySpec();
const keysDir = join(tmp.dir, 'keys');

function hashes(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((n) => [n, sha256Hex(readFileSync(join(dir, n)))]),
  );
}

function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  return p.then(
    () => undefined,
    (e: { code?: string }) => e.code,
  );
}

describe('outpost build', () => {
  it('rebuilding a spec with the same seed gives the same bytes, signed with the key folder', async () => {
    const a = await buildFromSpec(spec, { keys: keysDir, out: join(tmp.dir, 'out-a'), quick: true, json: true });
    const b = await buildFromSpec(spec, { keys: keysDir, out: join(tmp.dir, 'out-b'), quick: true, json: true });
    expect(a.built.artifactDir).toBe(join(tmp.dir, 'out-a', 'tiny', '1'));
    expect(hashes(b.built.artifactDir)).toEqual(hashes(a.built.artifactDir));
    expect(a.built.manifest.createdAt).toBe('1970-01-01T00:00:00.000Z');
    expect(a.built.manifest.trainer.seed).toBe(5);
    // Every file the manifest lists (a linear / MLP model also carries model.tflite).
    const listed = readdirSync(a.built.artifactDir).filter((f) => f !== 'manifest.json');
    expect(listed).toEqual(expect.arrayContaining(['model.onnx', 'card.md']));
    const files = new Map(listed.map((f) => [f, readFileSync(join(a.built.artifactDir, f)) as Uint8Array]));
    const manifestBytes = readFileSync(join(a.built.artifactDir, 'manifest.json'));
    verifyArtifact({ manifestBytes, files }, readFileSync(join(keysDir, 'signing.pub'), 'utf8'), a.built.artifactId);
    // Default out: the folder holding the spec folder (firmware-models/).
    const c = await buildFromSpec(spec, {
      keys: keysDir,
      quick: true,
      json: true,
      artifactVersion: '3',
      createdAt: '2024-05-06T07:08:09Z',
    });
    expect(c.built.artifactDir).toBe(join(tmp.dir, 'firmware-models', 'tiny', '3'));
    expect([c.built.manifest.version, c.built.manifest.parentVersion, c.built.manifest.createdAt]).toEqual([
      3,
      null,
      '2024-05-06T07:08:09.000Z',
    ]);
  }, 180_000); // three quick builds: about 15 s on an idle 2-core machine, minutes when it is shared

  it('creation time: --created-at, else SOURCE_DATE_EPOCH, else the Unix epoch', () => {
    expect(createdAtOf('2024-01-31T12:00:00Z', {})).toBe(Date.UTC(2024, 0, 31, 12));
    expect(createdAtOf(undefined, { SOURCE_DATE_EPOCH: '1700000000' })).toBe(1_700_000_000_000);
    expect(createdAtOf(undefined, {})).toBe(0);
    expect(() => createdAtOf('yesterday', {})).toThrow(expect.objectContaining({ code: CliErrorCodes.CLI_ARGS }));
  });

  it('rejects bad arguments with coded errors', async () => {
    const train: TrainFn = () => Promise.reject(new Error('not reached'));
    expect(await codeOf(buildFromSpec(join(tmp.dir, 'nowhere'), { keys: keysDir }, train))).toBe(
      CliErrorCodes.CLI_ARGS,
    );
    expect(await codeOf(buildFromSpec(spec, { keys: keysDir, seed: 'x' }, train))).toBe(CliErrorCodes.CLI_ARGS);
    expect(await codeOf(buildFromSpec(spec, { keys: keysDir, artifactVersion: '0' }, train))).toBe(
      CliErrorCodes.CLI_ARGS,
    );
  });

  it('the command passes the seed to the training function and prints the artifact as JSON', async () => {
    const f = fixture(200);
    const model = await fitKind(f, 'tree', 'binary');
    const seen: number[] = [];
    const train: TrainFn = (loaded, o) => {
      seen.push(o.seed);
      return Promise.resolve(trainedModel(f, model, 'binary', loaded.spec.name));
    };
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    await createBuildCommand(train).parseAsync(
      [spec, '--out', join(tmp.dir, 'cmd'), '--keys', keysDir, '--seed', '9', '--json'],
      { from: 'user' },
    );
    expect(seen).toEqual([9]);
    const printed = JSON.parse(String(log.mock.calls[0]?.[0])) as {
      name: string;
      version: number;
      algorithm: string;
      artifactDir: string;
    };
    expect(printed).toMatchObject({
      name: 'tiny',
      version: 1,
      algorithm: 'tree',
      artifactDir: join(tmp.dir, 'cmd', 'tiny', '1'),
    });
  });
});
