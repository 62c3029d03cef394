import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode, topics, type ReportedState } from '@outpost/protocol';
import { IdentityErrorCodes, enrollNode, type NodeCredentials } from '@outpost/protocol/node';
import { startFleet, type Fleet } from '../../src/fleet.ts';
import { newKeys, tempDir } from '../fixtures.ts';
import { waitFor } from '../wait.ts';
import { makeTestPki, type TestPki } from './tls-fixture.ts';

/**
 * TLS on the fleet (docs/SECURITY.md "TLS"): the embedded broker as mqtts:// and the enrol endpoint
 * as https, with a CA made in the test. A client trusting that CA connects; one trusting another
 * CA is refused.
 */
let tmp: ReturnType<typeof tempDir>;
let pki: TestPki;
let other: TestPki;
let fleet: Fleet;

beforeAll(async () => {
  tmp = tempDir();
  pki = makeTestPki(tmp.dir, 'right');
  other = makeTestPki(tmp.dir, 'wrong');
  fleet = await startFleet({
    dataDir: join(tmp.dir, 'fleet'),
    port: 0,
    enrollPort: 0,
    publicKeyPem: newKeys().publicKeyPem,
    tls: { key: pki.keyPem, cert: pki.certPem },
    brokerCa: pki.caPem,
  });
});
afterAll(async () => {
  await fleet?.close();
  tmp.remove();
});

function connect(
  ca: Buffer,
  creds: NodeCredentials,
  onConnect?: (c: mqtt.MqttClient) => Promise<void>,
): Promise<'connected' | string> {
  return new Promise((resolve) => {
    const c = mqtt.connect(fleet.brokerUrl, {
      clientId: `gw-${creds.id}`,
      username: creds.username,
      password: creds.password,
      protocolVersion: 4,
      reconnectPeriod: 0,
      ca,
    });
    c.once('connect', () => {
      void (onConnect?.(c) ?? Promise.resolve()).finally(() => {
        c.end(true);
        resolve('connected');
      });
    });
    c.once('error', (err) => {
      c.end(true);
      resolve(String((err as { code?: unknown }).code ?? err.message));
    });
  });
}

describe('fleet over TLS', () => {
  it('serves mqtts:// and https; a gateway trusting the CA enrols and connects', async () => {
    expect(fleet.brokerUrl).toMatch(/^mqtts:\/\//);
    expect(fleet.enrollUrl).toMatch(/^https:\/\//);
    const creds = await enrollNode({
      url: fleet.enrollUrl as string,
      token: fleet.createEnrollToken('gw-tls').token,
      dataDir: join(tmp.dir, 'gw-tls'),
      ca: pki.caPem,
    });
    const report: ReportedState = {
      source: 'gw-tls',
      kind: 'gateway',
      revision: -1,
      at: new Date().toISOString(),
      status: 'idle',
      models: [],
    };
    const sent = await connect(pki.caPem, creds, async (c) => {
      await c.publishAsync(topics.gateway('gw-tls', 'reported'), encode(report), { qos: 1, retain: true });
    });
    expect(sent).toBe('connected');
    // The fleet's own client, also over TLS, received and stored it.
    await waitFor(() => fleet.stats().reported.some((r) => r.source === 'gw-tls') || undefined, 'report stored');
  });

  it('refuses a client trusting another CA, at the broker and at the enrol endpoint', async () => {
    await expect(
      enrollNode({
        url: fleet.enrollUrl as string,
        token: fleet.createEnrollToken('gw-wrong').token,
        dataDir: join(tmp.dir, 'gw-wrong'),
        ca: other.caPem,
      }),
    ).rejects.toMatchObject({ code: IdentityErrorCodes.ENROLL_FAILED });
    const creds = await enrollNode({
      url: fleet.enrollUrl as string,
      token: fleet.createEnrollToken('gw-wrong').token,
      dataDir: join(tmp.dir, 'gw-wrong'),
      ca: pki.caPem,
    });
    expect(await connect(other.caPem, creds)).not.toBe('connected');
  });
});
