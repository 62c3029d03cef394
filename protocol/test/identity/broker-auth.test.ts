import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { topics } from '../../src/index.ts';
import { startEmbeddedBroker } from '../../src/node/embedded-broker.ts';
import { authBroker, closedWithin, connect, refusalCode, sleep } from './broker-fixture.ts';

/**
 * The embedded broker with authentication (docs/SECURITY.md "Broker access"), as a gateway runs
 * its site broker: real aedes on port 0, real mqtt.js clients.
 */
let site: Awaited<ReturnType<typeof authBroker>>;
let url: string;
const open: MqttClient[] = [];
let dev1: { username: string; password: string };
let dev2: { username: string; password: string };

beforeEach(async () => {
  site = await authBroker('devices');
  url = site.broker.url;
  dev1 = site.identity.issue('dev1');
  dev2 = site.identity.issue('dev2');
});
afterEach(async () => {
  for (const c of open.splice(0)) await c.endAsync(true);
  await site.close();
});

async function as(creds: { username: string; password: string }, clientId: string, clean = true): Promise<MqttClient> {
  const c = await connect(url, { ...creds, clientId, clean });
  open.push(c);
  return c;
}

describe('site broker: who may connect', () => {
  it('refuses an anonymous client (CONNACK 4/5)', async () => {
    const code = await refusalCode(url, { clientId: 'anon' });
    expect(code === 4 || code === 5).toBe(true);
  });

  it('refuses a wrong password and an unknown user', async () => {
    expect(await refusalCode(url, { clientId: 'dev-dev1', username: 'dev1', password: 'guess' })).toBe(4);
    expect(await refusalCode(url, { clientId: 'dev-ghost', username: 'ghost', password: dev1.password })).toBe(4);
  });

  it("refuses another client's id with valid credentials, and the real client keeps its session", async () => {
    const real = await as(dev1, 'dev-dev1', false);
    const got: string[] = [];
    real.on('message', (t) => got.push(t));
    await real.subscribeAsync(topics.device('dev1', 'desired'), { qos: 1 });
    // dev2's credentials with dev1's client id, the service's and a gateway-like id: all refused.
    for (const clientId of ['dev-dev1', 'gw-site-local', 'outpost-fleet'])
      expect(await refusalCode(url, { ...dev2, clientId })).toBe(2);
    expect(real.connected).toBe(true);
    const service = await as(site.service, 'gw-site-local');
    await service.publishAsync(topics.device('dev1', 'desired'), '{}', { qos: 1, retain: true });
    await waitUntil(() => got.length === 1);
    expect(got).toEqual([topics.device('dev1', 'desired')]);
  });
});

describe('site broker: what a device may do', () => {
  it('refuses subscriptions to #, $SYS/# and other devices (SUBACK 128), grants its own', async () => {
    const c = await as(dev1, 'dev-dev1');
    // mqtt.js rejects a subscribe whose SUBACK holds 0x80 (granted qos 128).
    for (const filter of ['#', '$SYS/#', 'outpost/v1/devices/+/telemetry', topics.device('dev2', 'desired')])
      await expect(c.subscribeAsync(filter, { qos: 1 }), filter).rejects.toMatchObject({ packet: { granted: [128] } });
    const granted = await c.subscribeAsync(topics.device('dev1', 'desired'), { qos: 1 });
    expect(granted.map((g) => g.qos)).toEqual([1]);
    expect(c.connected).toBe(true);
  });

  it("closes a device that publishes on another device's topic; nothing reaches the other's subscribers", async () => {
    const service = await as(site.service, 'gw-site-local');
    const seen: string[] = [];
    service.on('message', (t) => seen.push(t));
    await service.subscribeAsync(topics.all('devices', 'telemetry'), { qos: 1 });
    const attacker = await as(dev1, 'dev-dev1');
    attacker.publish(topics.device('dev2', 'telemetry'), '{"forged":true}', { qos: 1 });
    expect(await closedWithin(attacker, 3000)).toBe(true);
    const honest = await as(dev2, 'dev-dev2');
    await honest.publishAsync(topics.device('dev2', 'telemetry'), '{"genuine":true}', { qos: 1 });
    await waitUntil(() => seen.length >= 1);
    await sleep(100);
    expect(seen).toEqual([topics.device('dev2', 'telemetry')]);
  });

  it('only the service publishes desired state and chunks on the site broker', async () => {
    const c = await as(dev1, 'dev-dev1');
    c.publish(topics.device('dev1', 'desired'), '{}', { qos: 1, retain: true });
    expect(await closedWithin(c, 3000)).toBe(true);
    const c2 = await as(dev1, 'dev-dev1');
    c2.publish(topics.device('dev1', 'artifactChunk'), '{}', { qos: 1 });
    expect(await closedWithin(c2, 3000)).toBe(true);
  });
});

describe('site broker: bounds', () => {
  it('closes a connection announcing a 50 MB packet, and a 2 MB one at the 1 MiB default', async () => {
    for (const size of [50 * 1024 * 1024, 2 * 1024 * 1024]) {
      const c = await as(dev1, 'dev-dev1');
      c.publish(topics.device('dev1', 'telemetry'), Buffer.alloc(size, 7), { qos: 1 });
      expect(await closedWithin(c, 5000)).toBe(true);
    }
    // A normal message still goes through afterwards.
    const ok = await as(dev1, 'dev-dev1');
    await ok.publishAsync(topics.device('dev1', 'telemetry'), Buffer.alloc(100_000, 1), { qos: 1 });
    expect(ok.connected).toBe(true);
  });

  it('keeps no retained message outside desired and reported', async () => {
    const c = await as(dev1, 'dev-dev1');
    c.publish(topics.device('dev1', 'telemetry'), 'junk', { qos: 1, retain: true });
    expect(await closedWithin(c, 3000)).toBe(true);
    const service = await as(site.service, 'gw-site-local');
    const seen: string[] = [];
    service.on('message', (t) => seen.push(t));
    await service.subscribeAsync(topics.all('devices', 'telemetry'), { qos: 1 });
    await sleep(200);
    expect(seen).toEqual([]);
  });
});

describe('any embedded broker: retained junk', () => {
  it('keeps no retained message on a non-Outpost topic, with or without authentication', async () => {
    const c = await as(dev1, 'dev-dev1');
    c.publish('junk/topic', 'x'.repeat(1000), { qos: 1, retain: true });
    expect(await closedWithin(c, 3000)).toBe(true);
    const openBroker = await startEmbeddedBroker({ port: 0 });
    try {
      const pub = await connect(openBroker.url, { clientId: 'pub' });
      open.push(pub);
      pub.publish('junk/topic', 'x'.repeat(1000), { qos: 1, retain: true });
      expect(await closedWithin(pub, 3000)).toBe(true);
      const sub = await connect(openBroker.url, { clientId: 'sub' });
      open.push(sub);
      const got: string[] = [];
      sub.on('message', (t) => got.push(t));
      await sub.subscribeAsync('junk/topic', { qos: 1 });
      await sleep(200);
      expect(got).toEqual([]);
    } finally {
      await openBroker.close();
    }
  });
});

describe('site broker: revocation and rotation', () => {
  it('disconnects a revoked device and refuses it afterwards', async () => {
    const c = await as(dev1, 'dev-dev1');
    site.identity.revoke('dev1');
    expect(await closedWithin(c, 3000)).toBe(true);
    expect(await refusalCode(url, { ...dev1, clientId: 'dev-dev1' })).toBe(4);
  });

  it('disconnects a device revoked in the store by another process (the periodic check)', async () => {
    const c = await as(dev1, 'dev-dev1');
    site.identity.store.removeCredential('dev1');
    expect(await closedWithin(c, 3000)).toBe(true);
  });

  it('a new secret (re-enrolment) replaces the old one', async () => {
    const c = await as(dev1, 'dev-dev1');
    const rotated = site.identity.issue('dev1');
    expect(await closedWithin(c, 3000)).toBe(true);
    expect(await refusalCode(url, { ...dev1, clientId: 'dev-dev1' })).toBe(4);
    expect(await refusalCode(url, { ...rotated, clientId: 'dev-dev1' })).toBeUndefined();
  });
});

async function waitUntil(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}
