import { join } from 'node:path';
import { encode, systemClock, topics, type ReportedState, type Transport } from '@outpost/protocol';
import { startFleet, type Fleet, type FleetOptions } from '../../src/fleet.ts';
import type { Role } from '../../src/tokens/roles.ts';
import {
  fixtureWindow,
  gatewayTransport,
  newKeys,
  tempDir,
  writeFixtureArtifact,
  type FixtureArtifact,
} from '../fixtures.ts';
import { waitFor } from '../wait.ts';

/** A real fleet with its operator API on loopback, a token per role, and a real MQTT gateway client. */
export interface ApiFixture {
  fleet: Fleet;
  url: string;
  dataDir: string;
  tokens: Record<Role, string>;
  artifacts: FixtureArtifact[];
  gateway: Transport;
  /** fetch against the API with a role's token (or none). */
  call(path: string, init?: { method?: string; body?: unknown; role?: Role | null; token?: string }): Promise<Response>;
  /** Publishes a report as the gateway (its own, or a device's it relays) and waits until the fleet stored it. */
  report(state: Partial<ReportedState> & Pick<ReportedState, 'source' | 'kind'>): Promise<void>;
  close(): Promise<void>;
}

export async function startApiFixture(opts: Partial<FleetOptions> = {}): Promise<ApiFixture> {
  const tmp = tempDir();
  const keys = newKeys();
  const dataDir = join(tmp.dir, 'fleet');
  const fleet = await startFleet({
    dataDir,
    port: 0,
    apiPort: 0,
    publicKeyPem: keys.publicKeyPem,
    clock: systemClock,
    ...opts,
  });
  const url = fleet.apiUrl as string;
  const at = new Date().toISOString();
  const tokens = {
    viewer: fleet.tokens.create({ name: 'vera-viewer', role: 'viewer', at }).token,
    operator: fleet.tokens.create({ name: 'otto-operator', role: 'operator', at }).token,
    admin: fleet.tokens.create({ name: 'ada-admin', role: 'admin', at }).token,
  };
  const artifacts = [1, 2].map((v) => writeFixtureArtifact(tmp.dir, keys, 'housing', v, 1000));
  for (const a of artifacts) await fleet.registerArtifact(a.dir);
  const gateway = gatewayTransport(dataDir, fleet.brokerUrl, 'gw1');
  await gateway.start();
  const call: ApiFixture['call'] = (path, init = {}) => {
    const role = init.role === undefined ? 'viewer' : init.role;
    const token = init.token ?? (role === null ? undefined : tokens[role]);
    return fetch(url + path, {
      method: init.method ?? (init.body !== undefined ? 'POST' : 'GET'),
      headers: {
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
        ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(init.body !== undefined
        ? { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }
        : {}),
    });
  };
  return {
    fleet,
    url,
    dataDir,
    tokens,
    artifacts,
    gateway,
    call,
    async report(partial) {
      const state: ReportedState = {
        revision: -1,
        at: new Date().toISOString(),
        status: 'idle',
        models: [],
        ...(partial.kind === 'device' ? { gateway: 'gw1' } : {}),
        ...partial,
      };
      const topic =
        state.kind === 'gateway' ? topics.gateway(state.source, 'reported') : topics.device(state.source, 'reported');
      await gateway.publish(topic, encode(state), { qos: 1 });
      await waitFor(
        () => fleet.store.listReported().some((r) => r.source === state.source && r.at === state.at),
        `report of ${state.source} stored`,
      );
    },
    async close() {
      await gateway.close();
      await fleet.close();
      tmp.remove();
    },
  };
}

/** Stores `n` telemetry windows of `device` for artifact `a`, relayed by gw1. */
export async function sendWindows(
  f: ApiFixture,
  device: string,
  a: FixtureArtifact,
  n: number,
  x?: number[],
): Promise<void> {
  const before = f.fleet.store.countTelemetry();
  for (let seq = 0; seq < n; seq++)
    await f.gateway.publish(
      topics.device(device, 'telemetry'),
      encode(
        fixtureWindow(device, seq, { artifactId: a.artifactId, version: a.manifest.version, ...(x ? { x } : {}) }),
      ),
      { qos: 1 },
    );
  await waitFor(() => f.fleet.store.countTelemetry() >= before + n, `${n} windows of ${device} stored`);
}

/** A gateway gw1 with devices dev1..devN running housing v1, all reported. */
export async function seedSite(f: ApiFixture, devices: number): Promise<string[]> {
  const a = f.artifacts[0] as FixtureArtifact;
  const ids = Array.from({ length: devices }, (_, i) => `dev${i + 1}`);
  const running = [{ name: 'housing', version: 1, artifactId: a.artifactId, state: 'active' as const }];
  await f.report({ source: 'gw1', kind: 'gateway', status: 'converged', models: running, deviceCount: devices });
  for (const d of ids) await f.report({ source: d, kind: 'device', status: 'converged', models: running });
  return ids;
}
