/**
 * A simulated device (docs/OPERATIONS.md "Simulated fleet"): a real, enrolled MQTT client on its
 * gateway's site broker that speaks the real protocol — verifies the signed desired state, pulls
 * and fully verifies the artifact through the gateway (the real fetcher), keeps two slots (a
 * rollback to the version in the other slot downloads nothing), reports its state (retained, with
 * a heartbeat and the offline last will) and sends telemetry windows. The model run is a stand-in:
 * no inference engine; the "smoke test" fails for the versions the fault says are bad, and the
 * windows carry a fixed latency and error count.
 */
import {
  DesiredState,
  LATENCY_BOUNDS_MS,
  assignmentFor,
  decode,
  encode,
  errorMessage,
  offlineWill,
  silentLogger,
  topics,
  verifyDesiredState,
  type Logger,
  type ReportedState,
  type RunningModel,
  type TelemetryWindow,
  type Transport,
} from '@outpost/protocol';
import { createArtifactFetcher, createMqttTransport, type NodeCredentials } from '@outpost/protocol/node';
import { DeviceErrorCodes } from '@outpost/device';

export interface SimBehaviour {
  /** True when this model version fails the smoke test on this device (a bad model). */
  smokeFails(name: string, version: number): boolean;
  /** Extra time an install takes (a slow device). */
  installDelayMs: number;
  /** Index of the latency bucket the device's rows fall in (higher: slower). */
  latencyBucket: number;
  /** Errors per row in its windows (0–1). */
  errorRate: number;
}

export interface SimDeviceOptions {
  id: string;
  gatewayId: string;
  /** The gateway's site broker. */
  url: string;
  credentials: NodeCredentials;
  /** The release key artifacts are signed with. */
  publicKeyPem: string;
  /** The fleet's intent key desired states are signed with. */
  fleetKeyPem: string;
  behaviour: SimBehaviour;
  /** Reported-state heartbeat (default 60 s). */
  heartbeatMs?: number;
  /** A telemetry window this often (default none). */
  telemetryMs?: number;
  rowsPerWindow?: number;
  /** What a restarted device holds (its slots survive a crash, as on disk). */
  initial?: SimDeviceState;
  logger?: Logger;
}

export interface SimDeviceState {
  active?: Slot;
  other?: Slot;
  revision: number;
}

export interface SimDevice {
  id: string;
  active(): RunningModel | undefined;
  /** Artifacts downloaded (not switched to from the other slot). */
  downloads: number;
  /** What it holds now (to start it again after a crash). */
  state(): SimDeviceState;
  /** Stops at once, with no offline report: the fleet notices its silence (docs/OPERATIONS.md "Offline devices"). */
  crash(): Promise<void>;
  close(): Promise<void>;
}

export interface Slot {
  name: string;
  version: number;
  artifactId: string;
}

export async function startSimDevice(o: SimDeviceOptions): Promise<SimDevice> {
  const log = (o.logger ?? silentLogger).child({ device: o.id });
  const transport: Transport = createMqttTransport({
    url: o.url,
    clientId: `dev-${o.id}`,
    clean: true,
    reconnectPeriodMs: 1000,
    // A site broker checks each password hash (scrypt) on connect: many at once take a while.
    connectTimeoutMs: 120_000,
    username: o.credentials.username,
    password: o.credentials.password,
    will: offlineWill('device', o.id, Date.now()),
  });
  const fetcher = await createArtifactFetcher({ transport, kind: 'devices', selfId: o.id, chunkBytes: 256 * 1024 });
  let active: Slot | undefined = o.initial?.active;
  let other: Slot | undefined = o.initial?.other;
  let revision = o.initial?.revision ?? -1;
  let status: ReportedState['status'] = active ? 'converged' : 'idle';
  let failed: RunningModel | undefined;
  let retries = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let seq = 0;
  let closed = false;
  const device = {
    id: o.id,
    downloads: 0,
    active: (): RunningModel | undefined => (active ? { ...active, state: 'active' } : undefined),
    state: (): SimDeviceState => ({ ...(active ? { active } : {}), ...(other ? { other } : {}), revision }),
    crash: async () => {
      closed = true;
      stopTimers();
      await transport.close();
    },
    close: async () => {
      closed = true;
      stopTimers();
      await transport.close();
    },
  };

  const report = async (): Promise<void> => {
    if (closed) return;
    const state: ReportedState = {
      source: o.id,
      kind: 'device',
      revision,
      at: new Date().toISOString(),
      status,
      models: [...(active ? [{ ...active, state: 'active' as const }] : []), ...(failed ? [failed] : [])],
    };
    await transport.publish(topics.device(o.id, 'reported'), encode(state), { qos: 1, retain: true });
  };

  async function apply(desired: DesiredState): Promise<void> {
    const a = assignmentFor(desired, o.id);
    revision = desired.revision;
    failed = undefined;
    if (!a || a.artifactId === active?.artifactId) {
      status = a ? 'converged' : 'idle';
      return report();
    }
    if (a.artifactId === other?.artifactId) {
      // The version is in the other slot: switch, no download.
      [active, other] = [other, active];
      status = 'converged';
      return report();
    }
    status = 'updating';
    await report();
    try {
      await fetcher.fetch(a.artifactId, o.publicKeyPem);
      device.downloads++;
      if (o.behaviour.installDelayMs > 0) await new Promise((r) => setTimeout(r, o.behaviour.installDelayMs));
      if (o.behaviour.smokeFails(a.name, a.version)) {
        failed = {
          name: a.name,
          version: a.version,
          artifactId: a.artifactId,
          state: 'failed',
          error: { code: DeviceErrorCodes.SMOKE_TEST_FAILED, message: 'golden examples differ (simulated bad model)' },
        };
        status = 'failed';
        return report();
      }
      other = active;
      active = { name: a.name, version: a.version, artifactId: a.artifactId };
      status = 'converged';
    } catch (err) {
      // A transfer that failed (a timeout with a hundred devices pulling at once): tried again after
      // a back-off, as long as no newer desired state arrived meanwhile.
      retries++;
      const wait = Math.min(30_000, 1_000 * 2 ** Math.min(retries, 5));
      log.warn({ err: errorMessage(err), retryInMs: wait }, 'simulated install failed; trying again');
      status = 'failed';
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        if (closed || next || revision !== desired.revision) return;
        next = desired;
        void drain();
      }, wait);
      return report();
    }
    retries = 0;
    return report();
  }

  // One desired state at a time; only the newest waiting one is applied next.
  let busy = false;
  let next: DesiredState | undefined;
  const drain = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    try {
      while (next && !closed) {
        const d = next;
        next = undefined;
        await apply(d);
      }
    } finally {
      busy = false;
    }
  };
  await transport.route(topics.device(o.id, 'desired'), (_topic, payload) => {
    try {
      const d = decode(DesiredState, payload, 'desired');
      verifyDesiredState(d, o.fleetKeyPem);
      if (d.target !== o.gatewayId || d.revision < revision) return;
      next = d;
      void drain();
    } catch (err) {
      log.warn({ err: errorMessage(err) }, 'desired state refused');
    }
  });

  const sendWindow = async (): Promise<void> => {
    if (closed || !active) return;
    const rows = o.rowsPerWindow ?? 60;
    const counts = new Array<number>(LATENCY_BOUNDS_MS.length + 1).fill(0);
    counts[Math.min(o.behaviour.latencyBucket, counts.length - 1)] = rows;
    const now = new Date();
    const w: TelemetryWindow = {
      device: o.id,
      seq: ++seq,
      model: active.name,
      version: active.version,
      artifactId: active.artifactId,
      windowStart: new Date(now.getTime() - (o.telemetryMs ?? 60_000)).toISOString(),
      windowEnd: now.toISOString(),
      rows,
      features: {},
      predictions: { bins: [rows], min: 0, max: 0, sum: 0 },
      latency: { counts, maxMs: LATENCY_BOUNDS_MS[o.behaviour.latencyBucket] ?? 0 },
      errors: Math.round(rows * o.behaviour.errorRate),
    };
    await transport.publish(topics.device(o.id, 'telemetry'), encode(w), { qos: 1 });
  };

  const timers: NodeJS.Timeout[] = [];
  const stopTimers = (): void => {
    timers.forEach((t) => clearInterval(t));
    clearTimeout(retryTimer);
  };
  try {
    await transport.start();
  } catch (err) {
    await transport.close();
    throw err;
  }
  await report();
  timers.push(setInterval(() => void report().catch(() => undefined), o.heartbeatMs ?? 60_000));
  if (o.telemetryMs) timers.push(setInterval(() => void sendWindow().catch(() => undefined), o.telemetryMs));
  return device;
}
