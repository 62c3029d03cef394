/**
 * The retraining API on a running fleet (real fleet.db, real HTTP on loopback, real training):
 * an operator starts a run on the fleet's configured fresh data and gets the running run at once;
 * the list shows it promoted when it ends; a viewer may read but not start; an unknown run is 404.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, silentLogger } from '@outpost/protocol';
import { loadOrCreateKeyPair } from '@outpost/protocol/node';
import { startFleet, type Fleet } from '../../src/fleet.ts';
import { retrainRoutes } from '../../src/http/routes/retrain.ts';
import { ApiErrorCodes } from '../../src/errors.ts';
import { RetrainErrorCodes } from '../../src/retrain/errors.ts';
import { openFleetRetrain, type FleetRetrain } from '../../src/retrain/fleet-retrain.ts';
import type { RetrainRun } from '../../src/retrain/retrain-run.ts';
import { tempDir } from '../fixtures.ts';
import { buildChampion, housingRows, writeFresh, writeHousingSpec } from './housing-fixture.ts';

let tmp: ReturnType<typeof tempDir>;
let fleet: Fleet;
let retrain: FleetRetrain;
let tokens: { viewer: string; operator: string };

beforeAll(async () => {
  tmp = tempDir();
  const dataDir = join(tmp.dir, 'fleet');
  mkdirSync(dataDir);
  const keys = loadOrCreateKeyPair(join(dataDir, 'keys'));
  // The fleet's settings: specs under <tmp>/specs/<model>/problem.yaml, fresh data in <data-dir>/fresh.
  const data = housingRows();
  const specDir = join(tmp.dir, 'specs', 'housing');
  mkdirSync(specDir, { recursive: true });
  const spec = writeHousingSpec(specDir, data, { rows: 400 });
  const champion = await buildChampion(spec, tmp.dir, keys);
  mkdirSync(join(dataDir, 'fresh'));
  writeFresh(join(tmp.dir, 'station.csv'), data, { from: 400, count: 600, station: true });
  copyFileSync(join(tmp.dir, 'station.csv'), join(dataDir, 'fresh', 'housing.csv'));
  writeFileSync(join(dataDir, 'retrain.json'), JSON.stringify({ specs: join(tmp.dir, 'specs') }));
  retrain = openFleetRetrain({ dataDir, publicKeyPem: keys.publicKeyPem, clock: systemClock, logger: silentLogger });
  fleet = await startFleet({
    dataDir,
    port: 0,
    apiPort: 0,
    publicKeyPem: keys.publicKeyPem,
    clock: systemClock,
    apiRoutes: [retrainRoutes(retrain)],
  });
  retrain.attach(fleet);
  await fleet.registerArtifact(champion);
  const at = new Date().toISOString();
  tokens = {
    viewer: fleet.tokens.create({ name: 'vera', role: 'viewer', at }).token,
    operator: fleet.tokens.create({ name: 'otto', role: 'operator', at }).token,
  };
}, 120_000);

afterAll(async () => {
  await fleet.close();
  retrain.close();
  tmp.remove();
});

const call = (path: string, token: string, body?: unknown): Promise<Response> =>
  fetch((fleet.apiUrl as string) + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

describe('/api/v1/retrain-runs', () => {
  it('starts a run for an operator, answers with it running, and lists it promoted once it ends', async () => {
    const denied = await call('/api/v1/retrain-runs', tokens.viewer, { model: 'housing' });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error: { code: string } }).error.code).toBe(ApiErrorCodes.API_FORBIDDEN);

    // Two starts sent together: one runs, the other finds it running (409). Sent one after the
    // other, a small model could finish training in between.
    const [first, second] = await Promise.all([
      call('/api/v1/retrain-runs', tokens.operator, { model: 'housing' }),
      call('/api/v1/retrain-runs', tokens.operator, { model: 'housing' }),
    ]);
    const [res, again] = first.status === 202 ? [first, second] : [second, first];
    expect(res.status).toBe(202);
    const started = (await res.json()) as RetrainRun;
    expect(started).toMatchObject({ model: 'housing', outcome: 'running', championVersion: 1 });
    expect(started.trigger).toEqual({ kind: 'manual', actor: 'otto' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe(RetrainErrorCodes.RETRAIN_BUSY);

    let done: RetrainRun | undefined;
    for (let i = 0; i < 900 && !done; i++) {
      const r = (await (await call(`/api/v1/retrain-runs/${started.id}`, tokens.viewer)).json()) as RetrainRun;
      if (r.outcome !== 'running') done = r;
      else await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(done?.outcome).toBe('promoted');
    const list = (await (await call('/api/v1/retrain-runs?model=housing', tokens.viewer)).json()) as {
      items: RetrainRun[];
    };
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ id: started.id, outcome: 'promoted', registeredVersion: 2 });
    expect(list.items[0]?.challenger?.value).toBeLessThan(list.items[0]?.champion?.value as number);
    expect(fleet.store.findArtifact('housing', 2)?.manifest.parentVersion).toBe(1);
  }, 120_000);

  it('answers 404 with a code for an unknown run, and 400 for a model without fresh data', async () => {
    const res = await call('/api/v1/retrain-runs/rt-nope', tokens.viewer);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(RetrainErrorCodes.RETRAIN_UNKNOWN_RUN);
    const none = await call('/api/v1/retrain-runs', tokens.operator, { model: 'occupancy' });
    expect(none.status).toBe(400);
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe(
      RetrainErrorCodes.RETRAIN_FRESH_INVALID,
    );
  });
});
