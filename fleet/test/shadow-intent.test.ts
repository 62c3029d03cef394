/**
 * Asking for shadow mode (docs/DEVICE.md "Shadow mode"): a candidate per site or per device in the
 * signed desired state, kept across assignments and rollbacks, turned off per scope, and served
 * to the gateway like an assigned artifact.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isOutpostError, shadowFor, verifyDesiredState } from '@outpost/protocol';
import { setShadow } from '../src/intent/shadow.ts';
import { FleetErrorCodes } from '../src/errors.ts';
import { startFleet, type Fleet } from '../src/fleet.ts';
import { loadIntentKey } from '../src/intent/intent-key.ts';
import { gatewayArtifactPolicy } from '../src/registry.ts';
import { fixedClock, newKeys, tempDir, writeFixtureArtifact, type FixtureArtifact } from './fixtures.ts';

describe('shadow mode in the desired state', () => {
  const keys = newKeys();
  let tmp: ReturnType<typeof tempDir>;
  let fleet: Fleet;
  const v: FixtureArtifact[] = [];
  let deps: Parameters<typeof setShadow>[0];

  beforeAll(async () => {
    tmp = tempDir();
    const dataDir = join(tmp.dir, 'data');
    fleet = await startFleet({ dataDir, port: 0, publicKeyPem: keys.publicKeyPem, clock: fixedClock });
    for (const version of [1, 2, 3]) {
      const a = writeFixtureArtifact(join(tmp.dir, `v${version}`), keys, 'housing', version, 1000);
      await fleet.registerArtifact(a.dir);
      v.push(a);
    }
    deps = { store: fleet.store, clock: fixedClock, intentKeys: loadIntentKey(dataDir) };
  });
  afterAll(async () => {
    await fleet.close();
    tmp.remove();
  });
  const unknownOk = { allowUnknown: true, actor: 'test' };
  const codeOf = async (p: Promise<unknown>): Promise<string | undefined> =>
    p.then(
      () => undefined,
      (e: unknown) => (isOutpostError(e) ? e.code : 'uncoded'),
    );

  it('signs a site-wide and a per-device candidate; assignments and rollbacks keep them', async () => {
    await fleet.assign('gw1', 'housing', 2, undefined, unknownOk);
    await setShadow(deps, 'gw1', { model: 'housing', version: 3 }, undefined, unknownOk);
    const t = await setShadow(deps, 'gw1', { model: 'housing', version: 1 }, ['d1'], unknownOk);
    verifyDesiredState(t.state, fleet.intentPublicKeyPem);
    expect(shadowFor(t.state, 'd1')).toMatchObject({ version: 1, artifactId: v[0]?.artifactId, devices: ['d1'] });
    expect(shadowFor(t.state, 'd2')).toMatchObject({ version: 3, artifactId: v[2]?.artifactId });
    expect(shadowFor(t.state, 'd2')?.devices).toBeUndefined();

    const policy = gatewayArtifactPolicy(fleet.store);
    expect([1, 2, 3].map((i) => policy('gw1', v[i - 1]?.artifactId as string))).toEqual([true, true, true]);
    expect(policy('gw2', v[2]?.artifactId as string)).toBe(false);

    await fleet.assign('gw1', 'housing', 3, undefined, unknownOk);
    expect(fleet.store.getDesired('gw1')?.shadow).toEqual(t.state.shadow);
    const r = await fleet.rollback('housing', { to: 2, site: 'gw1', allowUnknown: true });
    expect(r.targets[0]?.state.shadow).toEqual(t.state.shadow);
    verifyDesiredState(fleet.store.getDesired('gw1') as never, fleet.intentPublicKeyPem);
  });

  it('turns a scope off and refuses turning off what is not there', async () => {
    const off1 = await setShadow(deps, 'gw1', undefined, ['d1'], unknownOk);
    expect(shadowFor(off1.state, 'd1')).toMatchObject({ version: 3 }); // falls back to the site-wide candidate
    expect(await codeOf(setShadow(deps, 'gw1', undefined, ['d1'], unknownOk))).toBe(FleetErrorCodes.NOT_ASSIGNED);
    const off = await setShadow(deps, 'gw1', undefined, undefined, unknownOk);
    expect(off.state.shadow).toBeUndefined();
    expect(off.state.models.length).toBeGreaterThan(0);
    expect(await codeOf(setShadow(deps, 'gw1', undefined, undefined, unknownOk))).toBe(FleetErrorCodes.NOT_ASSIGNED);
    expect(await codeOf(setShadow(deps, 'gw1', { model: 'housing', version: 9 }, undefined, unknownOk))).toBe(
      FleetErrorCodes.VERSION_NOT_REGISTERED,
    );
    expect(await codeOf(setShadow(deps, 'gw9', { model: 'housing', version: 1 }))).toBe(
      FleetErrorCodes.UNKNOWN_GATEWAY,
    );
    const actions = fleet.store.audit().map((e) => e.action);
    expect(actions.filter((a) => a === 'shadow')).toHaveLength(2);
    expect(actions.filter((a) => a === 'shadow-off')).toHaveLength(2);
  });
});
