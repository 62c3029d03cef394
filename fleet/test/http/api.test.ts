import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCodes } from '@outpost/protocol';
import { ApiErrorCodes, FleetErrorCodes } from '../../src/errors.ts';
import { AuditEntry, Device, DriftReply, Gateway, IntentReply, ModelReply, page } from '../../src/http/api-schemas.ts';
import type { FixtureArtifact } from '../fixtures.ts';
import { seedSite, sendWindows, startApiFixture, type ApiFixture } from './api-fixture.ts';

const failure = async (res: Response): Promise<{ status: number; code: string; details?: Record<string, unknown> }> => {
  const body = (await res.json()) as { error: { code: string; details?: Record<string, unknown> } };
  return { status: res.status, code: body.error.code, ...(body.error.details ? { details: body.error.details } : {}) };
};

describe('operator API over HTTP', () => {
  let f: ApiFixture;
  let v1: FixtureArtifact;
  beforeAll(async () => {
    f = await startApiFixture();
    v1 = f.artifacts[0] as FixtureArtifact;
    await seedSite(f, 3);
    await sendWindows(f, 'dev1', v1, 2, [0, 0, 100, 300]);
  });
  afterAll(async () => {
    await f.close();
  });

  describe('tokens and roles', () => {
    it('answers health without a token', async () => {
      const res = await f.call('/api/v1/health', { role: null });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { status: string }).status).toBe('ok');
    });

    it('tells a token its own name and role (GET /api/v1/me), and no one without a token', async () => {
      for (const role of ['viewer', 'operator', 'admin'] as const) {
        const me = (await (await f.call('/api/v1/me', { role })).json()) as { name: string; role: string };
        expect(me.role).toBe(role);
        expect(me.name).toContain(role);
      }
      expect((await f.call('/api/v1/me', { role: null })).status).toBe(401);
    });

    it('refuses a request without a token, with an unknown one, or a malformed header: 401', async () => {
      expect(await failure(await f.call('/api/v1/devices', { role: null }))).toMatchObject({
        status: 401,
        code: ApiErrorCodes.API_UNAUTHORIZED,
      });
      expect(await failure(await f.call('/api/v1/devices', { token: `${f.tokens.viewer}x` }))).toMatchObject({
        status: 401,
        code: ApiErrorCodes.API_UNAUTHORIZED,
      });
      const res = await fetch(`${f.url}/api/v1/devices`, { headers: { authorization: f.tokens.viewer } });
      expect(await failure(res)).toMatchObject({ status: 401, code: ApiErrorCodes.API_UNAUTHORIZED });
    });

    it('refuses a role below the route: viewer cannot assign, operator cannot manage tokens (403)', async () => {
      const assign = await f.call('/api/v1/assign', {
        role: 'viewer',
        body: { gateway: 'gw1', model: 'housing', version: 2 },
      });
      expect(await failure(assign)).toMatchObject({
        status: 403,
        code: ApiErrorCodes.API_FORBIDDEN,
        details: { needed: 'operator', role: 'viewer' },
      });
      expect(await failure(await f.call('/api/v1/tokens', { role: 'operator' }))).toMatchObject({
        status: 403,
        code: ApiErrorCodes.API_FORBIDDEN,
      });
      expect((await f.call('/api/v1/tokens', { role: 'admin' })).status).toBe(200);
    });

    it('refuses a token once revoked, which an admin can do over the API', async () => {
      const created = (await (
        await f.call('/api/v1/tokens', { role: 'admin', body: { name: 'temp', role: 'viewer' } })
      ).json()) as { token: string; record: { id: string } };
      expect((await f.call('/api/v1/devices', { token: created.token })).status).toBe(200);
      expect((await f.call(`/api/v1/tokens/${created.record.id}`, { role: 'admin', method: 'DELETE' })).status).toBe(
        200,
      );
      expect(await failure(await f.call('/api/v1/devices', { token: created.token }))).toMatchObject({
        status: 401,
        code: ApiErrorCodes.API_UNAUTHORIZED,
      });
      const list = (await (await f.call('/api/v1/tokens', { role: 'admin' })).json()) as { items: unknown[] };
      expect(JSON.stringify(list)).not.toContain(created.token);
    });
  });

  describe('inventory', () => {
    it('lists devices with the CLI filters, one page at a time with an opaque cursor', async () => {
      const all = page(Device).parse(await (await f.call('/api/v1/devices')).json());
      expect(all.items.map((d) => d.id)).toEqual(['dev1', 'dev2', 'dev3']);
      expect(all.nextCursor).toBeNull();
      expect(all.items[0]).toMatchObject({ gateway: 'gw1', active: { name: 'housing', version: 1 }, online: true });

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const q: string = `/api/v1/devices?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const p = page(Device).parse(await (await f.call(q)).json());
        seen.push(...p.items.map((d) => d.id));
        cursor = p.nextCursor;
        pages++;
      } while (cursor !== null);
      expect(seen).toEqual(['dev1', 'dev2', 'dev3']);
      expect(pages).toBe(2);

      const none = page(Device).parse(await (await f.call('/api/v1/devices?site=elsewhere')).json());
      expect(none.items).toEqual([]);
      const byModel = page(Device).parse(await (await f.call('/api/v1/devices?model=housing&state=unassigned')).json());
      expect(byModel.items.length).toBe(3);
    });

    it('refuses a bad cursor, an unknown filter value and an unknown query parameter with 400 and the issues', async () => {
      expect(await failure(await f.call('/api/v1/devices?cursor=garbage'))).toMatchObject({
        status: 400,
        code: ApiErrorCodes.API_REQUEST_INVALID,
      });
      const bad = await failure(await f.call('/api/v1/devices?state=sleeping&limit=0'));
      expect(bad).toMatchObject({ status: 400, code: ApiErrorCodes.API_REQUEST_INVALID });
      expect((bad.details?.issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
        'query.limit',
        'query.state',
      ]);
      expect(await failure(await f.call('/api/v1/devices?colour=red'))).toMatchObject({ status: 400 });
    });

    it('shows one device, gateway or model, and 404 with the unknown-code for one it does not know', async () => {
      expect(Device.parse(await (await f.call('/api/v1/devices/dev2')).json()).id).toBe('dev2');
      const gw = Gateway.parse(await (await f.call('/api/v1/gateways/gw1')).json());
      expect(gw.devices).toEqual(['dev1', 'dev2', 'dev3']);
      const m = ModelReply.parse(await (await f.call('/api/v1/models/housing')).json());
      expect(m.versions.map((v) => v.version)).toEqual([1, 2]);
      expect(m.versions[0]?.runningOn).toEqual(['dev1', 'dev2', 'dev3']);
      expect(await failure(await f.call('/api/v1/devices/nope'))).toMatchObject({
        status: 404,
        code: FleetErrorCodes.UNKNOWN_DEVICE,
      });
      expect(await failure(await f.call('/api/v1/gateways/nope'))).toMatchObject({
        status: 404,
        code: FleetErrorCodes.UNKNOWN_GATEWAY,
      });
      expect(await failure(await f.call('/api/v1/models/nope'))).toMatchObject({
        status: 404,
        code: FleetErrorCodes.UNKNOWN_MODEL,
      });
      expect(await failure(await f.call('/api/v1/devices/bad%2Fid'))).toMatchObject({ status: 400 });
      expect(await failure(await f.call('/api/v1/nothing-here'))).toMatchObject({
        status: 404,
        code: ApiErrorCodes.API_NOT_FOUND,
      });
    });
  });

  describe('intent', () => {
    it('assigns as the operator, with the token name as the audit actor, and refuses what the CLI refuses', async () => {
      const res = await f.call('/api/v1/assign', {
        role: 'operator',
        body: { gateway: 'gw1', model: 'housing', version: 1, reason: 'first' },
      });
      expect(res.status).toBe(200);
      const reply = IntentReply.parse(await res.json());
      expect(reply.targets).toEqual([{ gateway: 'gw1', revision: 1, devices: ['dev1', 'dev2', 'dev3'] }]);
      expect(reply.outcome).toBeNull();
      const audit = f.fleet.store.audit({ action: 'assign' }).at(-1);
      expect(audit).toMatchObject({ actor: 'otto-operator', reason: 'first', model: 'housing', version: 1 });

      const cases: [unknown, number, string][] = [
        [{ gateway: 'gw9', model: 'housing', version: 1 }, 404, FleetErrorCodes.UNKNOWN_GATEWAY],
        [{ gateway: 'gw1', model: 'housing', version: 1, devices: ['ghost'] }, 404, FleetErrorCodes.UNKNOWN_DEVICE],
        [{ gateway: 'gw1', model: 'housing', version: 7 }, 404, FleetErrorCodes.VERSION_NOT_REGISTERED],
        [{ gateway: 'gw1', model: 'housing', version: '1' }, 400, ApiErrorCodes.API_REQUEST_INVALID],
        [{ gateway: 'gw1', model: 'housing', version: 1, extra: true }, 400, ApiErrorCodes.API_REQUEST_INVALID],
      ];
      for (const [body, status, code] of cases)
        expect(await failure(await f.call('/api/v1/assign', { role: 'operator', body }))).toMatchObject({
          status,
          code,
        });
      expect(await failure(await f.call('/api/v1/assign', { role: 'operator', body: '{not json' }))).toMatchObject({
        status: 400,
        code: ErrorCodes.NOT_JSON,
      });
      const huge = { gateway: 'gw1', model: 'housing', version: 1, reason: 'x'.repeat(300_000) };
      expect(await failure(await f.call('/api/v1/assign', { role: 'operator', body: huge }))).toMatchObject({
        status: 413,
        code: ErrorCodes.PAYLOAD_TOO_LARGE,
      });
    });

    it('waits when asked and names the devices that did not converge (409 OUTCOME_FAILED)', async () => {
      const res = await f.call('/api/v1/assign', {
        role: 'operator',
        body: { gateway: 'gw1', model: 'housing', version: 2, devices: ['dev3'], wait: true, timeoutMs: 300 },
      });
      const e = await failure(res);
      expect(e).toMatchObject({ status: 409, code: FleetErrorCodes.OUTCOME_FAILED });
      expect(e.details?.devices).toEqual([{ device: 'dev3', state: 'updating' }]);
    });

    it('rolls back and withdraws like the CLI', async () => {
      const back = await f.call('/api/v1/rollback', {
        role: 'operator',
        body: { model: 'housing', devices: ['dev3'] },
      });
      expect(back.status).toBe(200);
      expect(IntentReply.parse(await back.json()).version).toBe(1);
      expect(
        await failure(await f.call('/api/v1/rollback', { role: 'operator', body: { model: 'other' } })),
      ).toMatchObject({
        status: 409,
        code: FleetErrorCodes.NOT_ASSIGNED,
      });
      const w = await f.call('/api/v1/withdraw', { role: 'operator', body: { model: 'housing', version: 2 } });
      expect(w.status).toBe(200);
      expect(
        await failure(
          await f.call('/api/v1/assign', { role: 'operator', body: { gateway: 'gw1', model: 'housing', version: 2 } }),
        ),
      ).toMatchObject({ status: 409, code: FleetErrorCodes.VERSION_WITHDRAWN });
      const un = await f.call('/api/v1/unassign', { role: 'operator', body: { gateway: 'gw1', devices: ['dev3'] } });
      expect(un.status).toBe(200);
    });

    it('moves a device like the CLI: a viewer may not, an unknown gateway is 404, the move is audited', async () => {
      const body = { device: 'dev-moved', gateway: 'gw1', reason: 'new site' };
      expect((await f.call('/api/v1/move-device', { role: 'viewer', body })).status).toBe(403);
      expect(
        await failure(await f.call('/api/v1/move-device', { role: 'operator', body: { ...body, gateway: 'gw9' } })),
      ).toMatchObject({ status: 404, code: FleetErrorCodes.UNKNOWN_GATEWAY });
      const res = await f.call('/api/v1/move-device', { role: 'operator', body });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ device: 'dev-moved', from: null, to: 'gw1' });
      expect(f.fleet.store.deviceGateway('dev-moved')).toBe('gw1');
      expect(f.fleet.store.audit({ action: 'move-device' }).at(-1)).toMatchObject({
        actor: 'otto-operator',
        target: 'dev-moved',
        reason: 'new site',
      });
    });
  });

  describe('audit and drift', () => {
    it('pages the audit log newest first', async () => {
      const all = page(AuditEntry).parse(await (await f.call('/api/v1/audit?limit=1000')).json());
      expect(all.items.length).toBeGreaterThanOrEqual(4);
      const ids = all.items.map((e) => e.id);
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const first = page(AuditEntry).parse(await (await f.call('/api/v1/audit?limit=2')).json());
      const next = page(AuditEntry).parse(
        await (await f.call(`/api/v1/audit?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`)).json(),
      );
      expect([...first.items, ...next.items].map((e) => e.id)).toEqual(ids.slice(0, 4));
      const assigns = page(AuditEntry).parse(await (await f.call('/api/v1/audit?action=assign')).json());
      expect(assigns.items.every((e) => e.action === 'assign')).toBe(true);
    });

    it('reports drift with histograms, and 404 for a version without telemetry', async () => {
      const d = DriftReply.parse(await (await f.call('/api/v1/models/housing/drift')).json());
      expect(d).toMatchObject({ model: 'housing', version: 1, windows: 2, rows: 800 });
      expect(d.features[0]).toMatchObject({ feature: 'x' });
      expect(d.histograms.x?.reference).toEqual([0.25, 0.25, 0.25, 0.25]);
      expect(d.histograms.x?.current).toEqual([0, 0, 0.25, 0.75]);
      expect(d.histograms.x?.bins).toEqual(['< 1', '1–2', '2–3', '≥ 3']);
      expect(d.histograms.color?.bins).toEqual(['red', 'green', '(unseen)']);
      expect(await failure(await f.call('/api/v1/models/housing/drift?version=2'))).toMatchObject({
        status: 404,
        code: FleetErrorCodes.NO_DEVICE_RUNS_VERSION,
      });
      expect(await failure(await f.call('/api/v1/models/housing/drift?since=2030-01-01T00:00:00Z'))).toMatchObject({
        status: 404,
        code: FleetErrorCodes.NO_DEVICE_RUNS_VERSION,
      });
      expect(await failure(await f.call('/api/v1/models/housing/drift?since=yesterday'))).toMatchObject({
        status: 400,
      });
    });
  });
});
