import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FleetErrorCodes } from '../../src/errors.ts';
import { seedSite, startApiFixture, type ApiFixture } from './api-fixture.ts';

const failure = async (res: Response): Promise<{ status: number; code: string }> => {
  const body = (await res.json()) as { error: { code: string } };
  return { status: res.status, code: body.error.code };
};

describe('rollout campaigns over the operator API', () => {
  let f: ApiFixture;
  beforeAll(async () => {
    // The engine's poll stays out of the way: the campaign stays where the calls put it.
    f = await startApiFixture({ campaigns: { pollMs: 3_600_000 } });
    await seedSite(f, 4);
  });
  afterAll(async () => {
    await f.close();
  });

  const create = (body: Record<string, unknown>, role: 'viewer' | 'operator' = 'operator') =>
    f.call('/api/v1/campaigns', { role, body });

  it('starts, lists, shows, pauses, resumes and aborts a campaign, with the codes the CLI has', async () => {
    const body = { model: 'housing', version: 2, target: { kind: 'site', gateway: 'gw1' }, waves: '50%,100%' };
    expect((await create(body, 'viewer')).status).toBe(403);
    expect(await failure(await create({ ...body, waves: '50%,40%' }))).toMatchObject({
      status: 400,
      code: FleetErrorCodes.CAMPAIGN_INVALID,
    });
    expect(await failure(await create({ ...body, version: 9 }))).toMatchObject({
      status: 404,
      code: FleetErrorCodes.VERSION_NOT_REGISTERED,
    });
    const res = await create({ ...body, reason: 'new model' });
    expect(res.status).toBe(200);
    const c = (await res.json()) as { id: string; state: string; waves: { devices: unknown[] }[] };
    expect(c.state).toBe('pending');
    expect(c.waves.map((w) => w.devices.length)).toEqual([2, 2]);

    const list = (await (await f.call('/api/v1/campaigns')).json()) as { items: { id: string }[] };
    expect(list.items.map((x) => x.id)).toContain(c.id);
    expect((await f.call(`/api/v1/campaigns/${c.id}`)).status).toBe(200);
    expect(await failure(await f.call('/api/v1/campaigns/nope'))).toMatchObject({
      status: 404,
      code: FleetErrorCodes.UNKNOWN_CAMPAIGN,
    });

    const act = (action: string) =>
      f.call(`/api/v1/campaigns/${c.id}/${action}`, { role: 'operator', body: { reason: action } });
    expect(((await (await act('pause')).json()) as { state: string }).state).toBe('paused');
    expect(((await (await act('resume')).json()) as { state: string }).state).not.toBe('paused');
    expect(((await (await act('abort')).json()) as { state: string }).state).toBe('aborted');
    expect(await failure(await act('resume'))).toMatchObject({ status: 409, code: FleetErrorCodes.CAMPAIGN_STATE });
    const audit = f.fleet.store.audit().filter((e) => e.target === c.id);
    expect(audit.map((e) => e.actor)).toContain('otto-operator');
  });
});
