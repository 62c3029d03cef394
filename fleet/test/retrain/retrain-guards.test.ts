/**
 * What a retraining run refuses before it trains (docs/MONITORING.md "Retraining"): a model with no
 * registered version, a spec of another model, a second run of a model while one is under way.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isOutpostError, silentLogger } from '@outpost/protocol';
import { registerArtifact } from '../../src/registry.ts';
import { createMemoryStore } from '../../src/store/memory-store.ts';
import { RetrainErrorCodes } from '../../src/retrain/errors.ts';
import { createMemoryRetrainStore } from '../../src/retrain/memory-retrain-store.ts';
import { runRetrain, type RetrainDeps } from '../../src/retrain/retrain.ts';
import type { TrainChallenger } from '../../src/retrain/challenger.ts';
import { fixedClock, newKeys, tempDir, writeFixtureArtifact } from '../fixtures.ts';
import { housingRows, writeHousingSpec } from './housing-fixture.ts';

let tmp: ReturnType<typeof tempDir>;
let deps: RetrainDeps;
let spec: string;
let fresh: string;
const keys = newKeys();

beforeEach(() => {
  tmp = tempDir();
  const store = createMemoryStore();
  const base = { store, dataDir: tmp.dir, publicKeyPem: keys.publicKeyPem, clock: fixedClock };
  registerArtifact(base, writeFixtureArtifact(tmp.dir, keys, 'housing', 1, 64).dir);
  deps = { ...base, runs: createMemoryRetrainStore(), logger: silentLogger, busy: new Set() };
  const data = housingRows();
  spec = writeHousingSpec(tmp.dir, data, { rows: 50 });
  // The fixture champion's inputs are x and color (fleet/test/fixtures.ts), so the fresh rows carry them.
  fresh = join(tmp.dir, 'fresh.csv');
  writeFileSync(
    fresh,
    [
      'time,x,color,median_house_value',
      ...Array.from({ length: 10 }, (_, i) => `${1000 * i},${i},red,${100 * i}`),
    ].join('\n'),
  );
});

afterEach(() => tmp.remove());

const request = (o: { model?: string } = {}) => ({
  model: o.model ?? 'housing',
  specFile: spec,
  freshFile: fresh,
  keys,
  trigger: { kind: 'manual' as const, actor: 'alice' },
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return isOutpostError(err) ? err.code : undefined;
}

describe('retraining guards', () => {
  it('refuses a model with no registered version, recording nothing', async () => {
    expect(await codeOf(runRetrain(deps, request({ model: 'shipping' })))).toBe(RetrainErrorCodes.RETRAIN_NO_CHAMPION);
    expect(deps.runs.list()).toEqual([]);
  });

  it('refuses a spec that describes another model, and records the run as failed', async () => {
    registerArtifact(deps, writeFixtureArtifact(tmp.dir, keys, 'occupancy', 1, 64).dir);
    expect(await codeOf(runRetrain(deps, request({ model: 'occupancy' })))).toBe(
      RetrainErrorCodes.RETRAIN_SPEC_MISMATCH,
    );
    expect(deps.runs.list()[0]).toMatchObject({ model: 'occupancy', outcome: 'failed' });
  });

  it('runs one retraining at a time per model', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let started: () => void = () => {};
    const trainingStarted = new Promise<void>((r) => (started = r));
    const train: TrainChallenger = async () => {
      started();
      await gate;
      throw new Error('stopped by the test');
    };
    const first = runRetrain({ ...deps, train }, request());
    await trainingStarted;
    expect(deps.runs.list()[0]?.outcome).toBe('running');
    expect(await codeOf(runRetrain({ ...deps, train }, request()))).toBe(RetrainErrorCodes.RETRAIN_BUSY);
    release();
    await expect(first).rejects.toThrow('stopped by the test');
    expect(deps.runs.list().map((r) => r.outcome)).toEqual(['failed']);
    // Once it ended, the model can be retrained again: this run gets as far as training.
    const again: TrainChallenger = async () => Promise.reject(new Error('training failed again'));
    await expect(runRetrain({ ...deps, train: again }, request())).rejects.toThrow('training failed again');
  });
});
