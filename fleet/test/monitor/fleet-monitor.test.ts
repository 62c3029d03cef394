import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertTopics, encode, sha256Hex, signManifest, topics, type Transport } from '@outpost/protocol';
import { createMqttTransport } from '@outpost/protocol/node';
import { DEFAULT_FLEET_CLIENT_ID, startFleet, type Fleet } from '../../src/fleet.ts';
import type { Alert } from '../../src/monitor/monitor-store.ts';
import { loadOrCreateServiceCredential, operatorClientId } from '../../src/identity/service-credential.ts';
import { gatewayTransport, newKeys, tempDir } from '../fixtures.ts';
import { waitFor } from '../wait.ts';
import { MIN, T0, manualClock, monitorManifest, monitorWindow } from './helpers.ts';

/** Monitoring inside a running fleet: real aedes on port 0, real fleet.db, a fake clock. */
describe('fleet.monitor over MQTT', () => {
  const keys = newKeys();
  let tmp: ReturnType<typeof tempDir>;
  let fleet: Fleet;
  let gateway: Transport;
  let watcher: Transport;
  const clock = manualClock(T0);
  const hooked: Alert[] = [];
  const published: Alert[] = [];

  beforeAll(async () => {
    tmp = tempDir();
    fleet = await startFleet({
      dataDir: tmp.dir,
      port: 0,
      publicKeyPem: keys.publicKeyPem,
      clock,
      alertEveryMs: 60_000,
      monitor: { rules: [{ metric: 'quality', scope: 'device', forMs: 0, severity: 'warning' }] },
      onAlert: (a) => void hooked.push(a),
    });
    const manifest = signManifest(monitorManifest(), keys);
    fleet.store.putArtifact({
      artifactId: sha256Hex('occupancy-1'),
      name: 'occupancy',
      version: 1,
      manifest,
      dir: tmp.dir,
      registeredAt: new Date(T0).toISOString(),
    });
    gateway = gatewayTransport(tmp.dir, fleet.brokerUrl, 'site-1');
    await gateway.start();
    // An operator client under the fleet's service credential reads the alerts topic.
    const cred = loadOrCreateServiceCredential(tmp.dir, DEFAULT_FLEET_CLIENT_ID);
    watcher = createMqttTransport({
      url: fleet.brokerUrl,
      clientId: operatorClientId(cred),
      clean: true,
      username: cred.username,
      password: cred.password,
    });
    await watcher.route(
      alertTopics.all,
      (topic, payload) => {
        if (topic === alertTopics.model('occupancy')) published.push(JSON.parse(payload.toString('utf8')) as Alert);
      },
      1,
    );
    await watcher.start();
  });
  afterAll(async () => {
    await watcher.close();
    await gateway.close();
    await fleet.close();
    tmp.remove();
  });

  it('joins a relayed label to the prediction its device logged', async () => {
    await gateway.publish(
      topics.device('d1', 'labels'),
      encode({
        device: 'd1',
        gateway: 'site-1',
        predictionId: 'p-1',
        label: 1,
        at: new Date(T0 + MIN).toISOString(),
        prediction: { value: 0.8, model: 'occupancy', version: 1, at: new Date(T0).toISOString(), confidence: 0.6 },
      }),
      { qos: 1 },
    );
    await waitFor(() => fleet.store.labels('d1').length === 1, 'label stored');
    await waitFor(() => fleet.monitor.performance('occupancy', { window: '1h' }).points.length === 1, 'label joined');
    expect(fleet.monitor.performance('occupancy', { window: '1h' }).points[0]).toMatchObject({
      labels: 1,
      status: 'insufficient',
      metrics: { accuracy: 1 },
    });
  });

  it('on its timer, alerts on a stuck sensor: stored, published on the alerts topic, and given to onAlert', async () => {
    for (let k = 0; k < 2; k++)
      for (const device of ['d1', 'd2'])
        await gateway.publish(
          topics.device(device, 'telemetry'),
          encode(
            monitorWindow({
              device,
              gateway: 'site-1',
              seq: k,
              at: T0 + k * 10 * MIN,
              ...(device === 'd2'
                ? { co2: [0, 0, 100, 0, 0], minMax: { temp: [19, 23], co2: [655, 655] } }
                : { minMax: { temp: [19, 23], co2: [420, 1100] } }),
            }),
          ),
          { qos: 1 },
        );
    await waitFor(() => fleet.stats().telemetryStored === 4, 'windows stored');
    clock.advance(20 * MIN); // the fleet's evaluation timer runs on its clock
    await waitFor(() => published.length === 1, 'alert published');
    expect(published[0]).toMatchObject({ metric: 'quality', state: 'firing', subject: 'd2', model: 'occupancy' });
    expect(published[0]?.summary).toContain('stuck co2 on device d2');
    await waitFor(() => hooked.length === 1, 'onAlert called');
    expect(hooked.map((a) => a.id)).toEqual([published[0]?.id]);
    expect(fleet.monitor.alerts({ state: 'firing' }).map((a) => a.id)).toEqual([published[0]?.id]);
    const acked = await fleet.monitor.acknowledge(published[0]?.id as string, 'ops');
    expect(acked.state).toBe('acknowledged');
    await waitFor(() => published.length === 2, 'acknowledgement published');
    expect(published[1]).toMatchObject({ id: acked.id, state: 'acknowledged', acknowledgedBy: 'ops' });
  });
});
