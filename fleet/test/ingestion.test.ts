import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  MAX_MESSAGE_BYTES,
  encode,
  sha256Hex,
  topics,
  type ReportedState,
  type Transport,
} from '@outpost/protocol';
import { startFleet, type Fleet } from '../src/fleet.ts';
import { fixedClock, fixtureWindow, gatewayTransport, newKeys, tempDir } from './fixtures.ts';
import { waitFor } from './wait.ts';

/** Ingestion against a real aedes broker (the fleet's embedded one on port 0) and a real SQLite file. */
describe('fleet ingestion over MQTT', () => {
  let tmp: ReturnType<typeof tempDir>;
  let fleet: Fleet;
  let client: Transport;

  beforeAll(async () => {
    tmp = tempDir();
    fleet = await startFleet({ dataDir: tmp.dir, port: 0, publicKeyPem: newKeys().publicKeyPem, clock: fixedClock });
    client = gatewayTransport(tmp.dir, fleet.brokerUrl, 'gw1');
    await client.start();
  });
  afterAll(async () => {
    await client.close();
    await fleet.close();
    tmp.remove();
  });

  const send = (topic: string, payload: Buffer | string): Promise<void> => client.publish(topic, payload, { qos: 1 });
  const stored = (device: string): number => fleet.store.telemetryWindows({ model: 'housing', device }).length;

  it('stores a valid telemetry window', async () => {
    await send(topics.device('dev1', 'telemetry'), encode(fixtureWindow('dev1', 0)));
    await waitFor(() => stored('dev1') === 1, 'window stored');
    const [w] = fleet.store.telemetryWindows({ model: 'housing', device: 'dev1' });
    expect(w).toEqual(fixtureWindow('dev1', 0));
  });

  it('stores the same (device, seq) once and counts the duplicate', async () => {
    // Its own device, so it holds whichever tests ran before it.
    const before = fleet.stats();
    await send(topics.device('dev5', 'telemetry'), encode(fixtureWindow('dev5', 0)));
    await send(topics.device('dev5', 'telemetry'), encode(fixtureWindow('dev5', 1)));
    await send(topics.device('dev5', 'telemetry'), encode(fixtureWindow('dev5', 1)));
    await waitFor(() => fleet.stats().telemetryDuplicates === before.telemetryDuplicates + 1, 'duplicate counted');
    expect(stored('dev5')).toBe(2);
    expect(fleet.stats().telemetryStored).toBe(before.telemetryStored + 2);
  });

  it('dead-letters each bad message with its code and raw payload, and keeps serving', async () => {
    const topic = topics.device('dev3', 'telemetry');
    const valid = fixtureWindow('dev3', 0);
    const { rows: _rows, ...missingRows } = valid;
    const bad: { name: string; payload: Buffer; code: string; topic?: string }[] = [
      { name: 'not JSON', payload: Buffer.from([0x7b, 0xff, 0x00, 0x22]), code: ErrorCodes.NOT_JSON },
      { name: 'wrong type', payload: encode({ ...valid, seq: 'seven' }), code: ErrorCodes.SCHEMA_INVALID },
      { name: 'missing field', payload: encode(missingRows), code: ErrorCodes.SCHEMA_INVALID },
      {
        name: 'oversized',
        payload: encode({ ...valid, padding: 'x'.repeat(MAX_MESSAGE_BYTES) }),
        code: ErrorCodes.PAYLOAD_TOO_LARGE,
      },
      { name: 'topic mismatch', payload: encode(fixtureWindow('dev4', 0)), code: ErrorCodes.TOPIC_MISMATCH },
      {
        name: 'label of another device',
        payload: encode({
          device: 'dev4',
          gateway: 'gw1',
          predictionId: 'p1',
          label: 1,
          at: '2025-01-01T00:00:00.000Z',
        }),
        code: ErrorCodes.TOPIC_MISMATCH,
        topic: topics.device('dev3', 'labels'),
      },
      {
        name: 'garbage artifact request',
        payload: Buffer.from('{"requestId":1}'),
        code: ErrorCodes.SCHEMA_INVALID,
        topic: topics.gateway('gw1', 'artifactRequest'),
      },
    ];
    const before = fleet.store.countDeadLetters();
    for (const b of bad) await send(b.topic ?? topic, b.payload);
    await send(topic, encode(valid));
    await waitFor(() => stored('dev3') === 1, 'the valid window sent after the bad ones');
    await waitFor(() => fleet.store.countDeadLetters() === before + bad.length, 'every bad message dead-lettered');

    const letters = fleet.store.deadLetters().slice(before);
    for (const b of bad) {
      // Letters keep a bounded prefix of the payload with the whole payload's size and sha256.
      const letter = letters.find((l) => l.payloadSha256 === sha256Hex(b.payload));
      expect(letter, b.name).toBeDefined();
      expect(letter?.payloadBytes, b.name).toBe(b.payload.byteLength);
      expect(letter?.payload.equals(b.payload.subarray(0, 4096)), b.name).toBe(true);
      expect(letter?.code, b.name).toBe(b.code);
      expect(letter?.topic, b.name).toBe(b.topic ?? topic);
      expect(letter?.reason.length, b.name).toBeGreaterThan(0);
    }
    expect(stored('dev4')).toBe(0);
    expect(fleet.stats().deadLetters).toBe(before + bad.length);
  });

  it('keeps the last reported state of gateways and relayed devices, refusing a kind on the wrong topic', async () => {
    const report = (source: string, kind: 'gateway' | 'device', revision: number): ReportedState => ({
      source,
      kind,
      revision,
      at: '2025-01-01T00:00:00.000Z',
      status: 'converged',
      models: [],
    });
    const before = fleet.store.countDeadLetters();
    await send(topics.gateway('gw1', 'reported'), encode(report('gw1', 'gateway', 1)));
    await send(topics.gateway('gw1', 'reported'), encode(report('gw1', 'gateway', 2)));
    await send(topics.device('dev1', 'reported'), encode({ ...report('dev1', 'device', 1), gateway: 'gw1' }));
    await send(topics.device('dev2', 'reported'), encode(report('dev2', 'gateway', 1)));
    await waitFor(() => fleet.store.countDeadLetters() === before + 1, 'wrong-kind report dead-lettered');
    await waitFor(
      () =>
        fleet.stats().reported.length === 2 && fleet.stats().reported.find((r) => r.source === 'gw1')?.revision === 2,
      'reports',
    );
    expect(fleet.stats().reported.map((r) => r.source)).toEqual(['dev1', 'gw1']);
    expect(fleet.store.deadLetters().at(-1)?.code).toBe(ErrorCodes.TOPIC_MISMATCH);
  });

  it('stores labels', async () => {
    await send(
      topics.device('dev1', 'labels'),
      encode({ device: 'dev1', gateway: 'gw1', predictionId: 'p-42', label: 245000, at: '2025-01-01T00:00:00.000Z' }),
    );
    await waitFor(() => fleet.store.labels('dev1').length === 1, 'label stored');
    expect(fleet.store.labels('dev1')[0]).toEqual({
      device: 'dev1',
      predictionId: 'p-42',
      label: 245000,
      at: '2025-01-01T00:00:00.000Z',
    });
  });
});
