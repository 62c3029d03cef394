/**
 * A simulated device (docs/OPERATIONS.md "Simulated fleet"): a real, enrolled MQTT client on its
 * gateway's site broker that speaks the real protocol — verifies the signed desired state, pulls
 * and fully verifies the artifact through the gateway (the real fetcher), keeps two slots (a
 * rollback to the version in the other slot downloads nothing), reports its state (retained, with
 * a heartbeat and the offline last will) and sends telemetry windows. The model run is a stand-in:
 * no inference engine; the "smoke test" fails for the versions the fault says are bad. Its rows
 * are drawn from the active manifest's reference profile (rows.ts), a scenario's sensor faults
 * applied, and binned by the device's own telemetry window builder; the windows carry a fixed
 * latency and error count, and labels for some predictions when asked.
 */
import {
  DesiredState,
  LATENCY_BOUNDS_MS,
  assignmentFor,
  backoffDelay,
  decode,
  encode,
  errorMessage,
  offlineWill,
  silentLogger,
  topics,
  verifyDesiredState,
  OutpostError,
  type BackoffRule,
  type Logger,
  mulberry32,
  type LabelMessage,
  type Manifest,
  type ReportedState,
  type RunningModel,
  type TelemetryWindow,
  type Transport,
} from '@outpost/protocol';
import { createArtifactFetcher, createMqttTransport, type NodeCredentials } from '@outpost/protocol/node';
import {
  DEFAULT_UPDATE_RETRY,
  DeviceErrorCodes,
  FaultInjector,
  TelemetryWindowAccumulator,
  type ScheduledFault,
} from '@outpost/device';
import { rowSampler, standIn, type RowSampler, type StandIn } from './rows.ts';
import type { RowSource } from './station.ts';

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
  /** Rows each telemetry window counts (default 20; keep small for large fleets). */
  rowsPerWindow?: number;
  /** What a scenario does to this device from `fromMs` (epoch ms) on. */
  scenario?: DeviceScenario;
  /** Rows replayed from a labelled table instead of drawn from the reference profile (station.ts). */
  replay?: RowSource;
  /** Seeds the device's rows. */
  seed?: number;
  /** What a restarted device holds (its slots survive a crash, as on disk). */
  initial?: SimDeviceState;
  /** When a failed transfer is tried again: the real device's rule (default 30 s doubling to 10 min, jitter). */
  updateRetry?: BackoffRule;
  logger?: Logger;
}

export interface DeviceScenario {
  fromMs: number;
  /** Sensor faults, their rows counted from `fromMs`. */
  faults: readonly ScheduledFault[];
  /** Labels the other class than the rule (a concept change). */
  flipLabels: boolean;
  /** Labels sent per window, for its first rows (default 0). */
  labelsPerWindow: number;
  /** Labels only for windows ending this long after `fromMs` (absent: labels all along). */
  labelsAfterMs?: number;
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
  /** The verified manifest (its reference profile is what the device's rows are drawn from). */
  manifest: Manifest;
}

const running = (s: Slot): Omit<RunningModel, 'state'> => ({
  name: s.name,
  version: s.version,
  artifactId: s.artifactId,
});

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
  // Its own seeded stream for jitter, so the rows drawn from `seed` stay the same.
  const jitter = mulberry32((o.seed ?? 1) ^ 0x5eed);
  const fetcher = await createArtifactFetcher({
    transport,
    kind: 'devices',
    selfId: o.id,
    chunkBytes: 256 * 1024,
    random: jitter,
  });
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
    active: (): RunningModel | undefined => (active ? { ...running(active), state: 'active' } : undefined),
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
      models: [...(active ? [{ ...running(active), state: 'active' as const }] : []), ...(failed ? [failed] : [])],
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
      const { manifest } = await fetcher.fetch(a.artifactId, o.publicKeyPem);
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
      active = { name: a.name, version: a.version, artifactId: a.artifactId, manifest };
      status = 'converged';
    } catch (err) {
      // A transfer that failed (a time-out, a busy gateway): tried again after the real device's
      // back-off (docs/DEVICE.md "Updates"), as long as no newer desired state arrived meanwhile.
      const wait = backoffDelay(o.updateRetry ?? DEFAULT_UPDATE_RETRY, retries++, jitter);
      const retryAt = new Date(Date.now() + wait).toISOString();
      log.warn({ err: errorMessage(err), retryInMs: wait }, 'simulated install failed; trying again');
      status = 'failed';
      failed = {
        name: a.name,
        version: a.version,
        artifactId: a.artifactId,
        state: 'failed',
        error: {
          code: err instanceof OutpostError ? err.code : DeviceErrorCodes.UPDATE_FAILED,
          message: errorMessage(err).slice(0, 500),
          retryAt,
        },
      };
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

  const random = mulberry32(o.seed ?? 1);
  const injector = new FaultInjector(o.scenario?.faults ?? [], random);
  let scenarioRow = 0;
  let sampler: { artifactId: string; sample: RowSampler; model: StandIn } | undefined;
  const sendWindow = async (): Promise<void> => {
    if (closed || !active) return;
    const slot = active;
    if (sampler?.artifactId !== slot.artifactId)
      sampler = { artifactId: slot.artifactId, sample: rowSampler(slot.manifest), model: standIn(slot.manifest) };
    const endMs = Date.now();
    const acc = new TelemetryWindowAccumulator(slot, endMs - (o.telemetryMs ?? 60_000));
    const latencyMs = LATENCY_BOUNDS_MS[o.behaviour.latencyBucket] ?? (LATENCY_BOUNDS_MS.at(-1) as number) * 2;
    const scenario = o.scenario && endMs >= o.scenario.fromMs ? o.scenario : undefined;
    const rows = o.rowsPerWindow ?? 20;
    const labels: LabelMessage[] = [];
    const at = new Date(endMs).toISOString();
    const labelsAfter = o.scenario?.labelsAfterMs;
    const labelling = labelsAfter === undefined || (scenario !== undefined && endMs >= scenario.fromMs + labelsAfter);
    for (let r = 0; r < rows; r++) {
      const drawn = o.replay?.draw(slot.manifest, random, scenario !== undefined, endMs);
      const row = drawn?.row ?? sampler.sample(random);
      if (scenario) injector.apply(row, scenarioRow++);
      const p = drawn?.prediction ?? sampler.model.predict(row);
      acc.add(row, p, latencyMs);
      if (labelling && r < (o.scenario?.labelsPerWindow ?? 0))
        labels.push({
          device: o.id,
          predictionId: `${o.id}-${seq + 1}-${r}`,
          label: drawn ? drawn.label() : sampler.model.label(row, random, scenario?.flipLabels ?? false),
          at,
          prediction: { value: p, model: slot.name, version: slot.version, at },
        });
    }
    acc.errors = Math.round(rows * o.behaviour.errorRate);
    const w: TelemetryWindow = acc.toMessage(o.id, ++seq, endMs);
    await transport.publish(topics.device(o.id, 'telemetry'), encode(w), { qos: 1 });
    for (const l of labels) await transport.publish(topics.device(o.id, 'labels'), encode(l), { qos: 1 });
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
