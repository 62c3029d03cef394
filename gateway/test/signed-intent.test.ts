/**
 * Signed intent at the gateway (docs/SECURITY.md "Signed intent"): a desired state on the fleet
 * broker is acted on only when the fleet's intent key signed it, it is for this gateway and its
 * revision is not below the one held; and the gateway reports "converged" only once its devices
 * run what they were assigned (docs/ARCHITECTURE.md "Deploy: desired → reported").
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  encode,
  generateSigningKeyPair,
  signDesiredState,
  topics,
  type DesiredState,
  type ReportedState,
} from '@outpost/protocol';
import { openSqliteStore, startGateway, type Gateway } from '../src/index.ts';
import {
  FLEET_INTENT_KEYS,
  Resources,
  buildArtifact,
  client,
  deviceClient,
  collect,
  convergingDevice,
  deviceReport,
  publishDesired,
  roundTrip,
  startFleet,
  tempDir,
  waitFor,
  type Fleet,
  type FixtureArtifact,
} from './helpers.ts';

const keys = generateSigningKeyPair();
let res: Resources;
let fleet: Fleet;
let art: FixtureArtifact;
let dataDir: string;

beforeEach(async () => {
  res = new Resources();
  const artifacts = tempDir(res);
  art = buildArtifact(artifacts, keys, { name: 'fixture', version: 1, modelBytes: 4000 });
  dataDir = tempDir(res);
  fleet = res.add(await startFleet(artifacts));
});
afterEach(async () => {
  await res.closeAll();
});

async function gateway(): Promise<Gateway> {
  return res.add(
    await startGateway({
      id: 'gw1',
      dataDir,
      upstreamUrl: fleet.broker.url,
      localPort: 0,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      reconnectPeriodMs: 100,
    }),
  );
}

const unsigned = (revision: number, target = 'gw1'): DesiredState => ({
  target,
  revision,
  issuedAt: '2026-02-01T10:00:00.000Z',
  models: [{ name: art.name, version: art.version, artifactId: art.artifactId }],
});
const signed = (revision: number, target = 'gw1', issuedAt?: string): DesiredState =>
  signDesiredState({ ...unsigned(revision, target), ...(issuedAt ? { issuedAt } : {}) }, FLEET_INTENT_KEYS);

function deadLetterCodes(): string[] {
  const store = openSqliteStore(dataDir);
  try {
    return store.listDeadLetters().map((d) => d.code);
  } finally {
    store.close();
  }
}

describe('gateway: signed intent', () => {
  it('ignores a forged retained desired state: nothing fetched, devices sent nothing', async () => {
    const gw = await gateway();
    const dev1 = await deviceClient(res, gw.localUrl, dataDir, 'dev1');
    await dev1.publish(topics.device('dev1', 'reported'), encode(deviceReport('dev1')), { retain: true });
    await waitFor('device known', () => gw.status().devices.length === 1);
    const got = await collect(dev1, topics.device('dev1', 'desired'));

    await publishDesired(fleet.transport, unsigned(1)); // anyone on the fleet broker
    await publishDesired(fleet.transport, signDesiredState(unsigned(2), generateSigningKeyPair())); // another key
    await waitFor('two dead letters', () => gw.status().deadLetters === 2);
    await roundTrip(dev1);
    expect(got).toEqual([]);
    expect(gw.status().desiredRevision).toBeNull();
    expect([...fleet.reads.keys()]).toEqual([]);
    expect(deadLetterCodes().sort()).toEqual([ErrorCodes.SIGNATURE_INVALID, ErrorCodes.SIGNATURE_MISSING].sort());
  });

  it('ignores a stale revision and a state signed for another gateway', async () => {
    const gw = await gateway();
    await publishDesired(fleet.transport, signed(5));
    await waitFor('revision 5 held', () => gw.status().desiredRevision === 5);
    await publishDesired(fleet.transport, signed(4, 'gw1', '2026-02-01T11:00:00.000Z'));
    await publishDesired(fleet.transport, signed(5, 'gw1', '2026-02-01T12:00:00.000Z')); // same revision, other content
    await fleet.transport.publish(topics.gateway('gw1', 'desired'), encode(signed(9, 'gw2')), { qos: 1, retain: true });
    await waitFor('three dead letters', () => gw.status().deadLetters === 3);
    expect(gw.status().desiredRevision).toBe(5);
    expect(deadLetterCodes().sort()).toEqual(
      [ErrorCodes.INTENT_STALE, ErrorCodes.INTENT_STALE, ErrorCodes.INTENT_TARGET].sort(),
    );
  });

  it('reports failed, not converged, while a device refuses what it was assigned; converged once it runs it', async () => {
    const upReports = await collect(await client(res, fleet.broker.url, 'spy-up'), topics.gateway('gw1', 'reported'));
    const gw = await gateway();
    const refusing = await deviceClient(res, gw.localUrl, dataDir, 'dev1');
    await refusing.route(topics.device('dev1', 'desired'), (_t, payload) => {
      const d = JSON.parse(payload.toString()) as DesiredState;
      const failed: ReportedState = {
        ...deviceReport('dev1'),
        revision: d.revision,
        status: 'failed',
        models: [
          {
            name: art.name,
            version: art.version,
            artifactId: art.artifactId,
            state: 'failed',
            error: { code: 'refused', message: 'refused by the test device' },
          },
        ],
      };
      void refusing.publish(topics.device('dev1', 'reported'), encode(failed), { qos: 1, retain: true });
    });
    await refusing.publish(topics.device('dev1', 'reported'), encode(deviceReport('dev1')), { retain: true });
    await waitFor('device known', () => gw.status().devices.length === 1);
    await publishDesired(fleet.transport, signed(1));
    const last = (): ReportedState | undefined => upReports.at(-1)?.value as ReportedState | undefined;
    await waitFor('failed report', () => last()?.status === 'failed' && last()?.revision === 1);
    expect(upReports.some((r) => (r.value as ReportedState).status === 'converged')).toBe(false);

    await refusing.close();
    await convergingDevice(res, gw.localUrl, dataDir, 'dev1');
    await publishDesired(fleet.transport, signed(2));
    await waitFor('converged report', () => last()?.status === 'converged' && last()?.revision === 2);
  });
});
