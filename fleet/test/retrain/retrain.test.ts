/**
 * Champion vs challenger on a real fleet.db, real training and real onnxruntime sessions
 * (docs/MONITORING.md "Retraining"): the "new train station" data makes the champion wrong on the
 * newest window and the retrained challenger wins and is registered as v2 (parent v1); unchanged
 * data under an unreachable margin leaves the registry as it was; every run is kept in fleet.db.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generateSigningKeyPair,
  isOutpostError,
  MANIFEST_FILE,
  silentLogger,
  type SigningKeyPair,
} from '@outpost/protocol';
import { registerArtifact } from '../../src/registry.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';
import type { FleetStore } from '../../src/store/fleet-store.ts';
import { runRetrain, type RetrainDeps } from '../../src/retrain/retrain.ts';
import { RetrainErrorCodes } from '../../src/retrain/errors.ts';
import { openSqliteRetrainStore } from '../../src/retrain/sqlite-retrain-store.ts';
import type { RetrainRunStore } from '../../src/retrain/retrain-store.ts';
import { fixedClock, tempDir } from '../fixtures.ts';
import {
  DAY_MS,
  FRESH_START,
  buildChampion,
  housingRows,
  writeFresh,
  writeHousingSpec,
  type HousingRows,
} from './housing-fixture.ts';

interface World {
  dir: string;
  spec: string;
  strictSpec: string;
  keys: SigningKeyPair;
  dbFile: string;
  store: FleetStore;
  runs: RetrainRunStore;
  deps: RetrainDeps;
  data: HousingRows;
  remove: () => void;
}

let w: World;

beforeAll(async () => {
  const tmp = tempDir();
  const keys = generateSigningKeyPair();
  const data = housingRows();
  const spec = writeHousingSpec(tmp.dir, data, { rows: 400 });
  const champion = await buildChampion(spec, tmp.dir, keys);
  const dbFile = join(tmp.dir, 'fleet', 'fleet.db');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(tmp.dir, 'fleet'), { recursive: true });
  const store = openSqliteStore(dbFile);
  const base = { store, dataDir: join(tmp.dir, 'fleet'), publicKeyPem: keys.publicKeyPem, clock: fixedClock };
  registerArtifact(base, champion);
  const runs = openSqliteRetrainStore(dbFile);
  const strictDir = join(tmp.dir, 'strict');
  mkdirSync(strictDir);
  const strictSpec = writeHousingSpec(strictDir, data, { rows: 400, margin: 0.9 });
  w = {
    dir: tmp.dir,
    spec,
    strictSpec,
    keys,
    dbFile,
    store,
    runs,
    deps: { ...base, runs, logger: silentLogger },
    data,
    remove: tmp.remove,
  };
}, 120_000);

afterAll(() => {
  w.runs.close();
  w.store.close();
  w.remove();
});

describe('outpost retrain: champion vs challenger', () => {
  it('a challenger trained on the station district’s fresh labels wins on the newest window and is registered as v2, parent v1', async () => {
    const fresh = join(w.dir, 'station.csv');
    writeFresh(fresh, w.data, { from: 400, count: 600, station: true });
    const canaries: string[] = [];
    const startCampaign = (model: string, version: number, waves: string): string => {
      canaries.push(`${model} v${version} ${waves}`);
      return 'c-1';
    };
    const run = await runRetrain(
      { ...w.deps, startCampaign },
      {
        model: 'housing',
        specFile: w.spec,
        freshFile: fresh,
        keys: w.keys,
        trigger: { kind: 'manual', actor: 'alice' },
        canary: '1,100%',
      },
    );
    expect(run.outcome).toBe('promoted');
    expect(canaries).toEqual(['housing v2 1,100%']);
    expect(run.campaignId).toBe('c-1');
    expect(run.rows).toEqual({ original: 400, fresh: 480, holdout: 120 });
    // The champion's error on the window is worse, the challenger's better by more than the margin.
    expect(run.champion?.value).toBeGreaterThan(run.challenger?.value as number);
    expect(run.improvement).toBeGreaterThanOrEqual(run.margin as number);
    expect(run.margin).toBe(0.02);
    expect(run.registeredVersion).toBe(2);
    const v2 = w.store.findArtifact('housing', 2);
    expect(v2?.artifactId).toBe(run.artifactId);
    expect(v2?.manifest.parentVersion).toBe(1);
    const manifest = JSON.parse(readFileSync(join(v2?.dir as string, MANIFEST_FILE), 'utf8')) as {
      parentVersion: number;
    };
    expect(manifest.parentVersion).toBe(1);
    const audit = w.store.audit({ action: 'retrain' });
    expect(audit.at(-1)).toMatchObject({ actor: 'alice', model: 'housing', version: 2, reason: 'promoted' });
    // The run survives a reopen of fleet.db.
    const reopened = openSqliteRetrainStore(w.dbFile);
    try {
      expect(reopened.get(run.id)).toEqual(run);
    } finally {
      reopened.close();
    }
  }, 120_000);

  it('a challenger that does not win by the margin leaves the registry unchanged', async () => {
    const before = w.store.listArtifacts('housing').map((a) => a.artifactId);
    const fresh = join(w.dir, 'calm.csv');
    writeFresh(fresh, w.data, { from: 1000, count: 300 });
    const startCampaign = (): string => {
      throw new Error('a rejected challenger starts no campaign');
    };
    const run = await runRetrain(
      { ...w.deps, startCampaign },
      {
        model: 'housing',
        canary: '1,100%',
        specFile: w.strictSpec,
        freshFile: fresh,
        keys: w.keys,
        trigger: { kind: 'labels', count: 300 },
        holdoutSince: FRESH_START + 25 * DAY_MS,
      },
    );
    expect(run.outcome).toBe('rejected');
    expect(run.campaignId).toBeUndefined();
    expect(run.campaignError).toBeUndefined();
    expect(run.margin).toBe(0.9);
    expect(run.registeredVersion).toBeUndefined();
    expect(run.rows?.holdout).toBe(50);
    expect(w.store.listArtifacts('housing').map((a) => a.artifactId)).toEqual(before);
    expect(w.runs.list({ model: 'housing' })[0]).toEqual(run);
  }, 120_000);

  it('records a failed run when the fresh data lacks a column the model needs', async () => {
    const fresh = join(w.dir, 'broken.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(fresh, 'time,median_income,median_house_value\n2026-03-01T00:00:00Z,3,100000\n');
    const err = await runRetrain(w.deps, {
      model: 'housing',
      specFile: w.spec,
      freshFile: fresh,
      keys: w.keys,
      trigger: { kind: 'manual', actor: 'bob' },
    }).catch((e: unknown) => e);
    expect(isOutpostError(err, RetrainErrorCodes.RETRAIN_FRESH_INVALID)).toBe(true);
    const last = w.runs.list({ model: 'housing', limit: 1 })[0];
    expect(last?.outcome).toBe('failed');
    expect(last?.error?.code).toBe(RetrainErrorCodes.RETRAIN_FRESH_INVALID);
  });
});
