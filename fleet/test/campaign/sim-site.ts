import {
  DesiredState,
  assignmentFor,
  decode,
  encode,
  topics,
  type ReportedState,
  type RunningModel,
  type Transport,
} from '@outpost/protocol';
import { SMOKE_TEST_FAILED_CODE } from '../../src/campaign/gates.ts';
import { fixtureWindow, gatewayTransport } from '../fixtures.ts';

/** What a simulated device does with a model version it is sent. */
export type Behaviour = 'ok' | 'smoke-fail' | 'runtime-errors';

export interface SimSite {
  transport: Transport;
  /** Every (device, version) it was asked to install, in order: what the campaign touched. */
  installs: { device: string; name: string; version: number; rollback: boolean }[];
  active(device: string): RunningModel | undefined;
  /**
   * Sends one telemetry window per device for its active model (errors per the behaviour of that
   * version); `pred` gives the window's prediction bins (default: the rows split evenly over 2 bins).
   */
  sendTelemetry(rows?: number, pred?: (device: string, version: number) => number[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A site as the fleet sees it, over the fleet's real broker: a gateway client (enrolled in the
 * fleet's credential store) relaying the reports of simulated devices. Each device installs what
 * its desired assignment names unless `behaviour` says the version fails its smoke test (reported
 * failed with the device's code, the previous model staying active); `runtime-errors` installs but
 * sends windows whose every row failed (none served, all counted in `errors`).
 */
export async function simSite(opts: {
  fleetDataDir: string;
  brokerUrl: string;
  gateway: string;
  devices: string[];
  behaviour?: (device: string, name: string, version: number) => Behaviour;
  /** What each device runs at the start (one model for all, or per device). */
  initial?:
    | { name: string; version: number; artifactId: string }
    | ((device: string) => { name: string; version: number; artifactId: string } | undefined);
}): Promise<SimSite> {
  const t = gatewayTransport(opts.fleetDataDir, opts.brokerUrl, opts.gateway);
  const active = new Map<string, RunningModel>();
  const behaviourOf = new Map<string, Behaviour>();
  const installs: SimSite['installs'] = [];
  const seqs = new Map<string, number>();
  const at = (): string => new Date().toISOString();
  const report = (device: string, revision: number, status: ReportedState['status'], failed?: RunningModel) =>
    t.publish(
      topics.device(device, 'reported'),
      encode({
        source: device,
        kind: 'device',
        gateway: opts.gateway,
        revision,
        at: at(),
        status,
        models: [...(active.has(device) ? [active.get(device) as RunningModel] : []), ...(failed ? [failed] : [])],
      } satisfies ReportedState),
      { qos: 1 },
    );
  let lastRevision = -1;
  await t.route(topics.gateway(opts.gateway, 'desired'), (_topic, payload) => {
    const desired = decode(DesiredState, payload, 'desired');
    lastRevision = desired.revision;
    for (const device of opts.devices) {
      const a = assignmentFor(desired, device);
      if (!a) continue;
      const cur = active.get(device);
      if (cur?.artifactId === a.artifactId) {
        void report(device, desired.revision, 'converged');
        continue;
      }
      installs.push({ device, name: a.name, version: a.version, rollback: a.rollback === true });
      const b = opts.behaviour?.(device, a.name, a.version) ?? 'ok';
      if (b === 'smoke-fail') {
        void report(device, desired.revision, 'failed', {
          name: a.name,
          version: a.version,
          artifactId: a.artifactId,
          state: 'failed',
          error: { code: SMOKE_TEST_FAILED_CODE, message: 'golden outputs differ' },
        });
        continue;
      }
      behaviourOf.set(device, b);
      active.set(device, { name: a.name, version: a.version, artifactId: a.artifactId, state: 'active' });
      void report(device, desired.revision, 'converged');
    }
  });
  await t.start();
  await t.publish(
    topics.gateway(opts.gateway, 'reported'),
    encode({
      source: opts.gateway,
      kind: 'gateway',
      revision: -1,
      at: at(),
      status: 'idle',
      models: [],
    } satisfies ReportedState),
    { qos: 1, retain: true },
  );
  for (const d of opts.devices) {
    const first = typeof opts.initial === 'function' ? opts.initial(d) : opts.initial;
    if (first) active.set(d, { ...first, state: 'active' });
    await report(d, lastRevision, first ? 'converged' : 'idle');
  }
  return {
    transport: t,
    installs,
    active: (d) => active.get(d),
    async sendTelemetry(rows = 100, pred) {
      for (const d of opts.devices) {
        const a = active.get(d);
        if (!a) continue;
        const seq = (seqs.get(d) ?? 0) + 1;
        seqs.set(d, seq);
        // A device counts served rows in `rows` and failed ones in `errors`.
        const failing = behaviourOf.get(d) === 'runtime-errors';
        const served = failing ? 0 : rows;
        const w = fixtureWindow(d, seq, {
          model: a.name,
          version: a.version,
          artifactId: a.artifactId,
          gateway: opts.gateway,
          x: [served / 4, served / 4, served / 4, served / 4],
          pred: pred?.(d, a.version) ?? [served / 2, served / 2],
        });
        w.errors = failing ? rows : 0;
        w.latency.counts[1] = served;
        await t.publish(topics.device(d, 'telemetry'), encode(w), { qos: 1 });
      }
    },
    close: () => t.close(),
  };
}
