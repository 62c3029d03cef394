/**
 * Signed intent on the device (docs/SECURITY.md "Signed intent"): only desired states the fleet's
 * intent key signed, for the device's gateway, with a revision not below the highest accepted
 * (kept across restarts) are acted on; an older version needs a signed explicit rollback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  ReportedState,
  generateSigningKeyPair,
  signDesiredState,
  topics,
  validate,
  type DesiredState,
  type SigningKeyPair,
} from '@outpost/protocol';
import { DeviceErrorCodes, startDevice, type Device } from '../src/index.ts';
import {
  FAKE_GATEWAY_ID,
  FLEET_INTENT_KEYS,
  startFakeGateway,
  waitFor,
  type FakeGateway,
} from './helpers/fake-gateway.ts';
import { writeFixtureArtifact, type FixtureArtifact } from './helpers/fixture-artifact.ts';

function lastReport(gw: FakeGateway, id: string): ReportedState | undefined {
  const mine = gw.reported.filter((r) => r.topic === topics.device(id, 'reported'));
  const last = mine[mine.length - 1];
  return last ? validate(ReportedState, last.payload, 'reported') : undefined;
}

const stateFor = (revision: number, a: FixtureArtifact, extra: Partial<DesiredState> = {}): DesiredState => ({
  target: FAKE_GATEWAY_ID,
  revision,
  issuedAt: '2026-12-04T10:00:00.000Z',
  models: [{ name: a.manifest.name, version: a.manifest.version, artifactId: a.artifactId }],
  ...extra,
});

describe('signed intent on the device', () => {
  let root: string;
  let keys: SigningKeyPair;
  let v1: FixtureArtifact;
  let v2: FixtureArtifact;
  let gw: FakeGateway;
  const open: Device[] = [];
  let n = 0;
  const nextId = (): string => `intent-${++n}`;

  const newDevice = async (id: string, opts: { dataDir?: string; gatewayId?: string } = {}): Promise<Device> => {
    const d = await startDevice({
      id,
      dataDir: opts.dataDir ?? mkdtempSync(path.join(root, 'dev-')),
      brokerUrl: gw.broker.url,
      publicKeyPem: keys.publicKeyPem,
      fleetKeyPem: FLEET_INTENT_KEYS.publicKeyPem,
      ...(opts.gatewayId !== undefined ? { gatewayId: opts.gatewayId } : {}),
      chunkTimeoutMs: 2000,
    });
    open.push(d);
    return d;
  };
  /**
   * Refusals of `code` so far. Tests wait for ≥ 1, not = 1: QoS 1 may deliver twice, and a retained
   * state published while the device's subscription is being set up arrives live and as retained.
   */
  const refused = (d: Device, code: string): number => d.stats().intentsRefused[code] ?? 0;

  /** A device running v2 at revision 2 (v1 in its other slot). */
  async function onV2(id: string, opts: { dataDir?: string; gatewayId?: string } = {}): Promise<Device> {
    const d = await newDevice(id, opts);
    await gw.publishDesired(id, 1, [v1]);
    await d.waitForModel((m) => m.version === 1);
    await gw.publishDesired(id, 2, [v2]);
    await d.waitForModel((m) => m.version === 2);
    await waitFor(
      'converged on r2',
      () => lastReport(gw, id)?.revision === 2 && lastReport(gw, id)?.status === 'converged',
    );
    return d;
  }

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'outpost-intent-'));
    keys = generateSigningKeyPair();
    const artifacts = path.join(root, 'artifacts');
    v1 = writeFixtureArtifact(artifacts, keys, 1);
    v2 = writeFixtureArtifact(artifacts, keys, 2);
    gw = await startFakeGateway(artifacts);
  });
  afterEach(async () => {
    for (const d of open.splice(0)) await d.close();
  });
  afterAll(async () => {
    await gw.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('ignores an unsigned desired state: nothing is fetched, no model activated', async () => {
    const id = nextId();
    const d = await newDevice(id);
    await gw.publishRaw(id, stateFor(1, v1));
    await waitFor('refused', () => refused(d, ErrorCodes.SIGNATURE_MISSING) >= 1);
    expect(d.active()).toBeUndefined();
    expect(gw.served.get(v1.artifactId) ?? 0).toBe(0);
  });

  it('ignores a desired state signed by another key', async () => {
    const id = nextId();
    const d = await newDevice(id);
    await gw.publishRaw(id, signDesiredState(stateFor(1, v1), generateSigningKeyPair()));
    await waitFor('refused', () => refused(d, ErrorCodes.SIGNATURE_INVALID) >= 1);
    expect(d.active()).toBeUndefined();
  });

  it('ignores a signed desired state for another gateway', async () => {
    const id = nextId();
    const d = await newDevice(id, { gatewayId: FAKE_GATEWAY_ID });
    await gw.publishRaw(id, signDesiredState(stateFor(1, v1, { target: 'other-site' }), FLEET_INTENT_KEYS));
    await waitFor('refused', () => refused(d, ErrorCodes.INTENT_TARGET) >= 1);
    expect(d.active()).toBeUndefined();
  });

  it('ignores a stale revision', async () => {
    const id = nextId();
    const d = await onV2(id);
    await gw.publishRaw(
      id,
      signDesiredState(stateFor(1, v1, { issuedAt: '2026-12-04T11:00:00.000Z' }), FLEET_INTENT_KEYS),
    );
    await waitFor('refused', () => refused(d, ErrorCodes.INTENT_STALE) >= 1);
    expect(d.active()?.version).toBe(2);
  });

  it('does not roll back on a forged desired state naming the older version it holds in its other slot', async () => {
    const id = nextId();
    const d = await onV2(id);
    await gw.publishRaw(
      id,
      stateFor(3, v1, { models: [{ name: 'tiny', version: 1, artifactId: v1.artifactId, rollback: true }] }),
    );
    await waitFor('refused', () => refused(d, ErrorCodes.SIGNATURE_MISSING) >= 1);
    expect(d.active()?.version).toBe(2);
  });

  it('refuses a signed assignment of an older version without the rollback mark (VERSION_NOT_NEWER), even from its slot', async () => {
    const id = nextId();
    const d = await onV2(id);
    await gw.publishDesired(id, 3, [v1]);
    const report = await waitFor('failed report', () => {
      const r = lastReport(gw, id);
      return r?.revision === 3 && r.status === 'failed' ? r : undefined;
    });
    expect(report.models.find((m) => m.state === 'failed')?.error?.code).toBe(DeviceErrorCodes.VERSION_NOT_NEWER);
    expect(d.active()?.version).toBe(2);
  });

  it('rolls back on a signed rollback to the slot it holds, without a download, and can move forward again', async () => {
    const id = nextId();
    const d = await onV2(id);
    const servedBefore = gw.served.get(v1.artifactId) ?? 0;
    await gw.publishDesired(id, 3, [v1], { rollback: true });
    await d.waitForModel((m) => m.version === 1);
    await waitFor(
      'converged on r3',
      () => lastReport(gw, id)?.revision === 3 && lastReport(gw, id)?.status === 'converged',
    );
    expect(gw.served.get(v1.artifactId) ?? 0).toBe(servedBefore);
    await gw.publishDesired(id, 4, [v2]);
    await d.waitForModel((m) => m.version === 2);
  });

  it('keeps the highest accepted revision across a restart', async () => {
    const id = nextId();
    const dataDir = mkdtempSync(path.join(root, 'dev-'));
    const first = await onV2(id, { dataDir });
    await first.close();
    open.splice(open.indexOf(first), 1);
    await gw.publishRaw(
      id,
      signDesiredState(stateFor(1, v1, { issuedAt: '2026-12-04T12:00:00.000Z' }), FLEET_INTENT_KEYS),
    );
    const again = await newDevice(id, { dataDir });
    // Refused once or twice: queued in the persistent session while it was away, and retained.
    await waitFor('refused after restart', () => refused(again, ErrorCodes.INTENT_STALE) >= 1);
    expect(again.active()?.version).toBe(2);
  });
});
