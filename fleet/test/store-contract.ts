import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCodes, isOutpostError, type DesiredState, type ReportedState } from '@outpost/protocol';
import { FleetErrorCodes } from '../src/errors.ts';
import type { ArtifactRecord, FleetStore } from '../src/store/fleet-store.ts';
import { fixtureManifest, fixtureWindow } from './fixtures.ts';

export interface StoreFactory {
  /** Opens a fresh, empty store. */
  open(): FleetStore;
  /** Opens the same store again after close (persistent stores only). */
  reopen?(): FleetStore;
  cleanup?(): void;
}

function record(name: string, version: number, artifactId: string): ArtifactRecord {
  const manifest = {
    ...fixtureManifest(name, version, [{ path: 'model.onnx', bytes: Buffer.from('m'), role: 'model' }]),
  };
  return { artifactId, name, version, manifest, dir: `/tmp/${artifactId}`, registeredAt: '2025-01-01T00:00:00.000Z' };
}

const id = (c: string): string => c.repeat(64);

/**
 * The FleetStore contract, run against every implementation (the aedes-persistence abstract.js
 * habit; docs/ARCHITECTURE.md "Composition and tests": one contract suite per interface).
 */
export function storeContract(
  label: string,
  factory: () => StoreFactory,
  { persistent = false }: { persistent?: boolean } = {},
): void {
  describe(`FleetStore contract: ${label}`, () => {
    let f: StoreFactory;
    let store: FleetStore;
    beforeEach(() => {
      f = factory();
      store = f.open();
    });
    afterEach(() => {
      store.close();
      f.cleanup?.();
    });

    it('stores artifacts and finds them by id, by (name, version), and the latest version', () => {
      expect(store.latestVersion('housing')).toBeUndefined();
      store.putArtifact(record('housing', 1, id('a')));
      store.putArtifact(record('housing', 3, id('b')));
      store.putArtifact(record('other', 7, id('c')));
      expect(store.getArtifact(id('a'))?.version).toBe(1);
      expect(store.getArtifact(id('a'))?.manifest.reference.features.x?.kind).toBe('numeric');
      expect(store.findArtifact('housing', 3)?.artifactId).toBe(id('b'));
      expect(store.findArtifact('housing', 2)).toBeUndefined();
      expect(store.getArtifact(id('d'))).toBeUndefined();
      expect(store.latestVersion('housing')).toBe(3);
      expect(store.listArtifacts().map((a) => `${a.name}@${a.version}`)).toEqual(['housing@1', 'housing@3', 'other@7']);
      expect(store.listArtifacts('housing').map((a) => a.version)).toEqual([1, 3]);
    });

    it('is idempotent for the same artifact and refuses a taken (name, version)', () => {
      store.putArtifact(record('housing', 1, id('a')));
      store.putArtifact(record('housing', 1, id('a')));
      expect(store.listArtifacts()).toHaveLength(1);
      let err: unknown;
      try {
        store.putArtifact(record('housing', 1, id('b')));
      } catch (e) {
        err = e;
      }
      expect(isOutpostError(err, FleetErrorCodes.VERSION_EXISTS)).toBe(true);
      expect(store.findArtifact('housing', 1)?.artifactId).toBe(id('a'));
    });

    it('replaces desired state per gateway', () => {
      const d = (target: string, revision: number): DesiredState => ({
        target,
        revision,
        issuedAt: '2025-01-01T00:00:00.000Z',
        models: [],
      });
      expect(store.getDesired('gw1')).toBeUndefined();
      store.putDesired(d('gw1', 1));
      store.putDesired(d('gw2', 1));
      store.putDesired(d('gw1', 2));
      expect(store.getDesired('gw1')?.revision).toBe(2);
      expect(store.listDesired().map((s) => `${s.target}:${s.revision}`)).toEqual(['gw1:2', 'gw2:1']);
    });

    it('keeps the last reported state per source', () => {
      const r = (source: string, revision: number, kind: 'gateway' | 'device'): ReportedState => ({
        source,
        kind,
        revision,
        at: '2025-01-01T00:00:00.000Z',
        status: 'converged',
        models: [],
      });
      store.putReported(r('gw1', 1, 'gateway'));
      store.putReported(r('dev1', 4, 'device'));
      store.putReported(r('gw1', 2, 'gateway'));
      expect(store.listReported().map((s) => `${s.source}:${s.revision}`)).toEqual(['dev1:4', 'gw1:2']);
    });

    it('binds a device to the gateway it is first seen through, and keeps that binding', () => {
      expect(store.deviceGateway('dev1')).toBeUndefined();
      expect(store.bindDeviceGateway('dev1', 'gw1', '2025-01-01T00:00:00.000Z')).toBe('gw1');
      expect(store.bindDeviceGateway('dev1', 'gw2', '2025-01-01T00:00:01.000Z')).toBe('gw1');
      expect(store.bindDeviceGateway('dev2', 'gw2', '2025-01-01T00:00:01.000Z')).toBe('gw2');
      expect([store.deviceGateway('dev1'), store.deviceGateway('dev2')]).toEqual(['gw1', 'gw2']);
    });

    it('moves a device to another gateway, counts and releases a gateway’s devices', () => {
      const at = '2025-01-01T00:00:00.000Z';
      store.bindDeviceGateway('dev1', 'gw1', at);
      store.bindDeviceGateway('dev2', 'gw1', at);
      store.bindDeviceGateway('dev3', 'gw2', at);
      expect([store.countGatewayDevices('gw1'), store.countGatewayDevices('gw2')]).toEqual([2, 1]);
      store.rebindDeviceGateway('dev1', 'gw2', '2025-01-01T00:00:05.000Z');
      expect(store.deviceGateway('dev1')).toBe('gw2');
      expect(store.bindDeviceGateway('dev1', 'gw1', at)).toBe('gw2'); // first sight is over: the move holds
      store.rebindDeviceGateway('dev9', 'gw1', at); // a device never seen can be placed too
      expect([store.countGatewayDevices('gw1'), store.countGatewayDevices('gw2')]).toEqual([2, 2]);
      expect(store.releaseGatewayDevices('gw1')).toBe(2);
      expect([store.deviceGateway('dev2'), store.deviceGateway('dev9')]).toEqual([undefined, undefined]);
      expect(store.deviceGateway('dev1')).toBe('gw2');
      expect(store.releaseGatewayDevices('gw1')).toBe(0);
    });

    it('stores a telemetry window once per (device, seq)', () => {
      const at = '2025-01-01T00:00:00.000Z';
      expect(store.insertTelemetry(fixtureWindow('dev1', 0), at)).toBe(true);
      expect(store.insertTelemetry(fixtureWindow('dev1', 0, { x: [1, 1, 1, 1] }), at)).toBe(false);
      expect(store.insertTelemetry(fixtureWindow('dev1', 1), at)).toBe(true);
      expect(store.insertTelemetry(fixtureWindow('dev2', 0), at)).toBe(true);
      expect(store.countTelemetry()).toBe(3);
      // the first delivery wins
      const first = store.telemetryWindows({ model: 'housing', device: 'dev1' })[0];
      expect(first?.features.x).toEqual({ kind: 'numeric', bins: [25, 25, 25, 25], missing: 0, outOfRange: 0 });
    });

    it('stores a batch of windows in one call, once per (device, seq), as one-at-a-time inserts do', () => {
      const at = '2025-01-01T00:00:00.000Z';
      expect(store.insertTelemetryBatch([], at)).toEqual([]);
      store.insertTelemetry(fixtureWindow('dev1', 0), at);
      const batch = [
        fixtureWindow('dev1', 0, { x: [1, 1, 1, 1] }), // already held
        fixtureWindow('dev1', 1),
        fixtureWindow('dev2', 0),
        fixtureWindow('dev1', 1, { x: [2, 2, 2, 2] }), // earlier in this batch
      ];
      expect(store.insertTelemetryBatch(batch, at)).toEqual([false, true, true, false]);
      expect(store.countTelemetry()).toBe(3);
      expect(store.telemetryWindows({ model: 'housing' }).map((w) => [w.device, w.seq, w.features.x])).toEqual([
        ['dev1', 0, { kind: 'numeric', bins: [25, 25, 25, 25], missing: 0, outOfRange: 0 }],
        ['dev1', 1, { kind: 'numeric', bins: [25, 25, 25, 25], missing: 0, outOfRange: 0 }],
        ['dev2', 0, { kind: 'numeric', bins: [25, 25, 25, 25], missing: 0, outOfRange: 0 }],
      ]);
      expect(store.lastSeen().get('dev2')).toBe(at);
    });

    it('selects windows by model, version and device, ordered by device then seq', () => {
      const at = '2025-01-01T00:00:00.000Z';
      store.insertTelemetry(fixtureWindow('dev2', 5), at);
      store.insertTelemetry(fixtureWindow('dev1', 2), at);
      store.insertTelemetry(fixtureWindow('dev1', 1, { version: 2 }), at);
      store.insertTelemetry(fixtureWindow('dev3', 1, { model: 'other' }), at);
      const key = (q: Parameters<FleetStore['telemetryWindows']>[0]): string[] =>
        store.telemetryWindows(q).map((w) => `${w.device}#${w.seq}`);
      expect(key({ model: 'housing' })).toEqual(['dev1#1', 'dev1#2', 'dev2#5']);
      expect(key({ model: 'housing', version: 1 })).toEqual(['dev1#2', 'dev2#5']);
      expect(key({ model: 'housing', version: 1, device: 'dev1' })).toEqual(['dev1#2']);
      expect(key({ model: 'other' })).toEqual(['dev3#1']);
      expect(key({ model: 'none' })).toEqual([]);
    });

    it('stores labels, a later label for the same prediction replacing the earlier', () => {
      store.addLabel({ device: 'dev1', predictionId: 'p1', label: 1.5, at: '2025-01-01T00:00:00.000Z' });
      store.addLabel({ device: 'dev1', predictionId: 'p2', label: 'cat', at: '2025-01-01T00:00:01.000Z' });
      store.addLabel({ device: 'dev2', predictionId: 'p1', label: 3, at: '2025-01-01T00:00:00.000Z' });
      store.addLabel({ device: 'dev1', predictionId: 'p1', label: 2.5, at: '2025-01-01T00:00:02.000Z' });
      expect(store.labels('dev1')).toEqual([
        { device: 'dev1', predictionId: 'p2', label: 'cat', at: '2025-01-01T00:00:01.000Z' },
        { device: 'dev1', predictionId: 'p1', label: 2.5, at: '2025-01-01T00:00:02.000Z' },
      ]);
      expect(store.labels()).toHaveLength(3);
    });

    it('keeps dead letters with their raw bytes, oldest first', () => {
      const raw = Buffer.from([0xff, 0x00, 0x7b, 0x80]);
      const a = store.addDeadLetter({
        topic: 't/1',
        payload: raw,
        code: ErrorCodes.NOT_JSON,
        reason: 'not JSON',
        receivedAt: '2025-01-01T00:00:00.000Z',
      });
      const b = store.addDeadLetter({
        topic: 't/2',
        payload: Buffer.from('{}'),
        code: ErrorCodes.SCHEMA_INVALID,
        reason: 'x',
        receivedAt: '2025-01-01T00:00:01.000Z',
      });
      expect(b).toBeGreaterThan(a);
      const letters = store.deadLetters();
      expect(store.countDeadLetters()).toBe(2);
      expect(letters.map((l) => l.code)).toEqual([ErrorCodes.NOT_JSON, ErrorCodes.SCHEMA_INVALID]);
      expect(Buffer.compare(letters[0]?.payload ?? Buffer.alloc(0), raw)).toBe(0);
      expect(letters[0]?.topic).toBe('t/1');
      expect(letters[0]?.id).toBe(a);
    });

    it('returns copies that callers cannot use to change stored state', () => {
      store.putDesired({ target: 'gw1', revision: 1, issuedAt: '2025-01-01T00:00:00.000Z', models: [] });
      const got = store.getDesired('gw1');
      got?.models.push({ name: 'm', version: 1, artifactId: id('a') });
      expect(store.getDesired('gw1')?.models).toEqual([]);
    });

    it('keeps an audit log, filtered by time, model and action, oldest first', () => {
      const at = (m: number): string => new Date(Date.UTC(2025, 0, 1, 0, m)).toISOString();
      store.addAudit({ at: at(0), actor: 'ana', action: 'assign', model: 'housing', version: 2, target: 'gw1' });
      store.addAudit({
        at: at(5),
        actor: 'ana',
        action: 'rollback',
        model: 'housing',
        version: 1,
        target: 'gw1',
        reason: 'bad',
        details: { from: 2 },
      });
      store.addAudit({ at: at(9), actor: 'bo', action: 'withdraw', model: 'other', version: 7, target: 'fleet' });
      expect(store.audit().map((e) => e.action)).toEqual(['assign', 'rollback', 'withdraw']);
      expect(store.audit({ since: at(1), until: at(6) })).toEqual([
        {
          id: 2,
          at: at(5),
          actor: 'ana',
          action: 'rollback',
          model: 'housing',
          version: 1,
          target: 'gw1',
          reason: 'bad',
          details: { from: 2 },
        },
      ]);
      expect(store.audit({ model: 'other' }).map((e) => e.actor)).toEqual(['bo']);
      expect(store.audit({ action: 'assign' }).map((e) => e.version)).toEqual([2]);
    });

    it('withdraws a version once, and lists the versions devices sent telemetry for', () => {
      store.putArtifact(record('housing', 1, id('a')));
      store.withdrawArtifact('housing', 1, '2025-01-02T00:00:00.000Z');
      store.withdrawArtifact('housing', 1, '2025-01-03T00:00:00.000Z');
      expect(store.findArtifact('housing', 1)?.withdrawnAt).toBe('2025-01-02T00:00:00.000Z');
      store.insertTelemetry(fixtureWindow('dev1', 0, { version: 2 }), '2025-01-01T00:00:00.000Z');
      store.insertTelemetry(fixtureWindow('dev1', 1, { version: 1 }), '2025-01-01T00:00:00.000Z');
      expect(store.telemetryVersions({ model: 'housing' })).toEqual([1, 2]);
      expect(store.telemetryVersions({ model: 'housing', since: '2025-01-01T00:02:00.000Z' })).toEqual([]);
    });

    it('knows when it last heard from each node: its report or its latest window', () => {
      const report: ReportedState = {
        source: 'dev1',
        kind: 'device',
        revision: 1,
        at: '2020-01-01T00:00:00.000Z',
        status: 'converged',
        models: [],
      };
      store.putReported(report, '2025-01-01T00:00:10.000Z');
      store.insertTelemetry(fixtureWindow('dev1', 0), '2025-01-01T00:00:20.000Z');
      store.putReported({ ...report, source: 'gw1', kind: 'gateway' }, '2025-01-01T00:00:05.000Z');
      const seen = store.lastSeen();
      expect(seen.get('dev1')).toBe('2025-01-01T00:00:20.000Z');
      expect(seen.get('gw1')).toBe('2025-01-01T00:00:05.000Z');
    });

    // Only persistent stores promise anything after close(), so only they get this case.
    if (persistent) {
      it('keeps everything across a reopen', () => {
        if (!f.reopen) throw new Error('a persistent store factory needs reopen()');
        store.putArtifact(record('housing', 1, id('a')));
        store.insertTelemetry(fixtureWindow('dev1', 0), '2025-01-01T00:00:00.000Z');
        store.addDeadLetter({
          topic: 't',
          payload: Buffer.from('x'),
          code: 'C',
          reason: 'r',
          receivedAt: '2025-01-01T00:00:00.000Z',
        });
        store.close();
        store = f.reopen();
        expect(store.latestVersion('housing')).toBe(1);
        expect(store.insertTelemetry(fixtureWindow('dev1', 0), '2025-01-01T00:00:00.000Z')).toBe(false);
        expect(store.countDeadLetters()).toBe(1);
      });
    }
  });
}
