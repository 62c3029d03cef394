import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Device, DriftReply, HealthReply, ModelReply, page } from '../../src/http/api-schemas.ts';
import { openApiPath } from '../../src/http/openapi.ts';
import { startApiServer } from '../../src/http/api-server.ts';
import { silentLogger, systemClock } from '@outpost/protocol';
import type { FixtureArtifact } from '../fixtures.ts';
import { seedSite, sendWindows, startApiFixture, type ApiFixture } from './api-fixture.ts';

interface Doc {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      { security?: unknown[]; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }
    >
  >;
}

describe('GET /openapi.json', () => {
  let f: ApiFixture;
  let doc: Doc;
  beforeAll(async () => {
    f = await startApiFixture();
    await seedSite(f, 2);
    await sendWindows(f, 'dev1', f.artifacts[0] as FixtureArtifact, 1);
    const res = await fetch(`${f.url}/openapi.json`);
    expect(res.status).toBe(200);
    doc = (await res.json()) as Doc;
  });
  afterAll(async () => {
    await f.close();
  });

  it('documents every API route fastify has, with path parameters and the bearer scheme where a role is needed', async () => {
    expect(doc.openapi).toBe('3.1.0');
    // The routes fastify really serves (its onRoute hook), not the declarations the document is built from.
    const server = await startApiServer({
      fleet: f.fleet,
      tokens: f.fleet.tokens,
      host: '127.0.0.1',
      port: 0,
      clock: systemClock,
      logger: silentLogger,
    });
    try {
      const own = (await (await fetch(`${server.url}/openapi.json`)).json()) as Doc;
      expect(own).toEqual(doc);
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
      );
      expect(server.served.length).toBeGreaterThanOrEqual(16);
      expect(server.served.map((r) => `${r.method} ${openApiPath(r.url)}`).sort()).toEqual(documented.sort());
    } finally {
      await server.close();
    }
    expect(doc.paths['/api/v1/devices/{id}']?.get?.parameters?.[0]).toMatchObject({ name: 'id', in: 'path' });
    expect(doc.paths['/api/v1/devices']?.get?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/health']?.get?.security).toEqual([]);
    expect(Object.keys(doc.paths['/api/v1/assign']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404', '409', '413']),
    );
  });

  it('holds real replies to the schemas it was generated from', async () => {
    HealthReply.parse(await (await f.call('/api/v1/health')).json());
    page(Device).parse(await (await f.call('/api/v1/devices')).json());
    ModelReply.parse(await (await f.call('/api/v1/models/housing')).json());
    DriftReply.parse(await (await f.call('/api/v1/models/housing/drift')).json());
  });
});
