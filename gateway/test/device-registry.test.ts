import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encode, generateSigningKeyPair, topics, type ReportedState } from '@outpost/protocol';
import { startGateway, type Gateway } from '../src/index.ts';
import {
  Resources,
  client,
  collect,
  deviceClient,
  deviceCredentials,
  deviceReport,
  startFleet,
  tempDir,
  waitFor,
  type Fleet,
} from './helpers.ts';

/**
 * The gateway's device registry is fed only by enrolled devices' own reports, is bounded, and the
 * gateway's report upstream carries a count rather than a list (docs/SECURITY.md "Bounds").
 */
const keys = generateSigningKeyPair();
let res: Resources;
let fleet: Fleet;
let dataDir: string;

beforeEach(async () => {
  res = new Resources();
  dataDir = tempDir(res);
  fleet = res.add(await startFleet(tempDir(res)));
});
afterEach(async () => {
  await res.closeAll();
});

async function gateway(maxDevices?: number): Promise<Gateway> {
  return res.add(
    await startGateway({
      id: 'gw1',
      dataDir,
      upstreamUrl: fleet.broker.url,
      localPort: 0,
      publicKeyPem: keys.publicKeyPem,
      reconnectPeriodMs: 100,
      ...(maxDevices !== undefined ? { maxDevices } : {}),
    }),
  );
}

describe('gateway device registry', () => {
  it('8,000 forged retained reports register no device', async () => {
    const gw = await gateway();
    // Anonymous: refused at CONNECT.
    const anon = await new Promise<number | undefined>((resolve) => {
      const c = mqtt.connect(gw.localUrl, { clientId: 'forger', protocolVersion: 4, reconnectPeriod: 0 });
      c.once('connect', () => resolve(undefined));
      c.once('error', (err) => {
        c.end(true);
        resolve((err as { code?: number }).code);
      });
    });
    expect(anon).toBe(4);
    // An enrolled device forging reports for 8,000 other ids: the first closes its connection.
    const forger = mqtt.connect(gw.localUrl, {
      clientId: 'dev-dev-a',
      protocolVersion: 4,
      reconnectPeriod: 0,
      ...deviceCredentials(dataDir, 'dev-a'),
    });
    res.add({ close: () => forger.endAsync(true) });
    await new Promise<void>((resolve) => forger.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => forger.once('close', () => resolve()));
    for (let i = 0; i < 8000; i++)
      forger.publish(topics.device(`forged-${i}`, 'reported'), encode(deviceReport(`forged-${i}`)), {
        qos: 0,
        retain: true,
      });
    await closed;
    // An honest device registers; nothing forged does.
    const honest = await deviceClient(res, gw.localUrl, dataDir, 'dev-b');
    await honest.publish(topics.device('dev-b', 'reported'), encode(deviceReport('dev-b')), { retain: true });
    await waitFor('honest device known', () => gw.status().devices.includes('dev-b'));
    expect(gw.status().devices).toEqual(['dev-b']);
  });

  it('registers at most maxDevices, and reports a count upstream, not a list', async () => {
    const upReports = await collect(await client(res, fleet.broker.url, 'spy-up'), topics.gateway('gw1', 'reported'));
    const gw = await gateway(3);
    await waitFor('upstream connected', () => gw.status().upstreamConnected);
    for (const id of ['d1', 'd2', 'd3', 'd4', 'd5']) {
      const d = await deviceClient(res, gw.localUrl, dataDir, id);
      await d.publish(topics.device(id, 'reported'), encode(deviceReport(id)), { retain: true });
    }
    await waitFor('three registered', () => gw.status().devices.length === 3);
    await waitFor('a report with the count', () => upReports.some((r) => (r.value as ReportedState).deviceCount === 3));
    const last = upReports.at(-1)?.value as ReportedState;
    expect(last.devices).toBeUndefined();
    expect(gw.status().devices).toEqual(['d1', 'd2', 'd3']);
  });
});
