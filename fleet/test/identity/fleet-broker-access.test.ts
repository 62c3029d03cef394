import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, topics } from '@outpost/protocol';
import { IdentityErrorCodes, enrollNode, type NodeCredentials } from '@outpost/protocol/node';
import { startFleet, type Fleet } from '../../src/fleet.ts';
import { fixedClock, fixtureWindow, newKeys, tempDir, writeFixtureArtifact } from '../fixtures.ts';
import { waitFor } from '../wait.ts';

/**
 * The fleet broker with enrolled gateways (docs/SECURITY.md "Broker access"): real fleet, real
 * aedes, real HTTP enrolment, real mqtt.js clients.
 */
const keys = newKeys();
let tmp: ReturnType<typeof tempDir>;
let fleet: Fleet;
let gw1: NodeCredentials;
let gw2: NodeCredentials;
const open: MqttClient[] = [];
const INTENT_KEY = '-----BEGIN PUBLIC KEY-----\nintent\n-----END PUBLIC KEY-----\n';

beforeAll(async () => {
  tmp = tempDir();
  fleet = await startFleet({
    dataDir: join(tmp.dir, 'fleet'),
    port: 0,
    enrollPort: 0,
    publicKeyPem: keys.publicKeyPem,
    fleetKeyPem: INTENT_KEY,
    clock: { ...fixedClock, now: () => Date.now() },
  });
  const enrol = (id: string): Promise<NodeCredentials> =>
    enrollNode({
      url: fleet.enrollUrl as string,
      token: fleet.createEnrollToken(id).token,
      dataDir: join(tmp.dir, id),
    });
  gw1 = await enrol('gw1');
  gw2 = await enrol('gw2');
});
afterAll(async () => {
  for (const c of open) await c.endAsync(true);
  await fleet.close();
  tmp.remove();
});

function connect(creds: Partial<NodeCredentials>, clientId: string, clean = true): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(fleet.brokerUrl, {
      clientId,
      clean,
      protocolVersion: 4,
      reconnectPeriod: 0,
      ...(creds.username !== undefined ? { username: creds.username, password: creds.password } : {}),
    });
    c.once('connect', () => {
      open.push(c);
      resolve(c);
    });
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

const refusal = (creds: Partial<NodeCredentials>, clientId: string): Promise<number | undefined> =>
  connect(creds, clientId).then(
    () => undefined,
    (err: { code?: number }) => err.code,
  );

function closed(c: MqttClient, ms = 3000): Promise<boolean> {
  return new Promise((resolve) => {
    if (!c.connected) return resolve(true);
    const t = setTimeout(() => resolve(false), ms);
    c.once('close', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

describe('fleet enrolment over HTTP', () => {
  it('writes the credentials 0600 and the fleet intent key into the node data dir', () => {
    const file = join(tmp.dir, 'gw1', 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(gw1);
    expect(readFileSync(join(tmp.dir, 'gw1', 'fleet-key.pub'), 'utf8')).toBe(INTENT_KEY);
  });

  it('refuses a used token and an unknown one', async () => {
    const { token } = fleet.createEnrollToken('gw3');
    await enrollNode({ url: fleet.enrollUrl as string, token, dataDir: join(tmp.dir, 'gw3') });
    for (const t of [token, 'not-a-token'])
      await expect(
        enrollNode({ url: fleet.enrollUrl as string, token: t, dataDir: join(tmp.dir, 'gw3b') }),
      ).rejects.toMatchObject({ code: IdentityErrorCodes.ENROLL_TOKEN_INVALID });
  });
});

describe('fleet broker access', () => {
  it('refuses anonymous clients and client ids not bound to the credentials', async () => {
    expect(await refusal({}, 'anon')).toBe(4);
    for (const id of ['outpost-fleet', 'gw-gw1', 'gw1']) expect(await refusal(gw2, id)).toBe(2);
  });

  it("a takeover attempt leaves the real gateway's persistent session in place", async () => {
    const real = await connect(gw1, 'gw-gw1', false);
    await real.subscribeAsync(topics.gateway('gw1', 'desired'), { qos: 1 });
    const got: unknown[] = [];
    real.on('message', (_t, p) => got.push(JSON.parse(p.toString())));
    expect(await refusal(gw2, 'gw-gw1')).toBe(2);
    const artifact = writeFixtureArtifact(tmp.dir, keys);
    await fleet.registerArtifact(artifact.dir);
    await fleet.assign('gw1', 'housing', 1, undefined, { allowUnknown: true }); // before gw1 ever reported
    await waitFor(() => got.length > 0 || undefined, 'desired state at the real gateway');
    expect(real.connected).toBe(true);
  });

  it("closes a gateway publishing on another gateway's topic or a desired state", async () => {
    for (const topic of [topics.gateway('gw2', 'reported'), topics.gateway('gw1', 'desired')]) {
      const c = await connect(gw1, 'gw-gw1');
      c.publish(topic, '{}', { qos: 1, retain: true });
      expect(await closed(c), topic).toBe(true);
    }
  });

  it('a device is relayed by one gateway only: another cannot publish its telemetry', async () => {
    const a = await connect(gw1, 'gw-gw1');
    await a.publishAsync(topics.device('dev-r1', 'telemetry'), encode(fixtureWindow('dev-r1', 0)), { qos: 1 });
    await waitFor(
      () => fleet.store.telemetryWindows({ model: 'housing', device: 'dev-r1' }).length || undefined,
      'stored',
    );
    const b = await connect(gw2, 'gw-gw2');
    b.publish(topics.device('dev-r1', 'telemetry'), encode(fixtureWindow('dev-r1', 5)), { qos: 1 });
    expect(await closed(b)).toBe(true);
    await a.publishAsync(topics.device('dev-r1', 'telemetry'), encode(fixtureWindow('dev-r1', 1)), { qos: 1 });
    await waitFor(
      () => fleet.store.telemetryWindows({ model: 'housing', device: 'dev-r1' }).length === 2 || undefined,
      'second',
    );
    expect(fleet.store.telemetryWindows({ model: 'housing', device: 'dev-r1' }).map((w) => w.seq)).toEqual([0, 1]);
  });

  it('a moved device is relayed by its new gateway only: the broker and ingestion agree', async () => {
    const windows = (): number[] =>
      fleet.store.telemetryWindows({ model: 'housing', device: 'dev-m1' }).map((w) => w.seq);
    const a = await connect(gw1, 'gw-gw1');
    await a.publishAsync(topics.device('dev-m1', 'telemetry'), encode(fixtureWindow('dev-m1', 0)), { qos: 1 });
    await waitFor(() => windows().length === 1 || undefined, 'stored through gw1');
    const moved = fleet.moveDevice('dev-m1', 'gw2', { allowUnknown: true, actor: 'test', reason: 'site change' });
    expect(moved).toEqual({ device: 'dev-m1', from: 'gw1', to: 'gw2' });
    // Ingestion checks the same binding: the window through gw2 is stored, not dead-lettered.
    const b = await connect(gw2, 'gw-gw2');
    await b.publishAsync(topics.device('dev-m1', 'telemetry'), encode(fixtureWindow('dev-m1', 1, { gateway: 'gw2' })), {
      qos: 1,
    });
    await waitFor(() => windows().length === 2 || undefined, 'stored through gw2');
    a.publish(topics.device('dev-m1', 'telemetry'), encode(fixtureWindow('dev-m1', 2)), { qos: 1 });
    expect(await closed(a)).toBe(true);
    expect(windows()).toEqual([0, 1]);
    expect(fleet.store.audit().at(-1)).toMatchObject({
      action: 'move-device',
      target: 'dev-m1',
      reason: 'site change',
    });
  });

  it('refuses # and $SYS/# and other gateways’ topics to a gateway', async () => {
    const c = await connect(gw1, 'gw-gw1');
    for (const f of ['#', '$SYS/#', topics.all('gateways', 'desired'), topics.gateway('gw2', 'desired')])
      await expect(c.subscribeAsync(f, { qos: 1 }), f).rejects.toMatchObject({ packet: { granted: [128] } });
  });

  it('revoking a gateway disconnects it and refuses it afterwards', async () => {
    const c = await connect(gw2, 'gw-gw2');
    fleet.revokeGateway('gw2');
    expect(await closed(c)).toBe(true);
    expect(await refusal(gw2, 'gw-gw2')).toBe(4);
  });
});
