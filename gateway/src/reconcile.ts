import {
  DesiredState,
  OutpostError,
  assignmentFor,
  checkIntent,
  decode,
  intentDigest,
  sameIntent,
  encode,
  errorMessage,
  silentLogger,
  systemClock,
  topics,
  type Clock,
  type Logger,
  type ModelAssignment,
  type ReportedState,
  type RunningModel,
  type Transport,
} from '@outpost/protocol';
import type { ArtifactCache } from './artifact-cache.ts';
import type { DeadLetterSink } from './dead-letters.ts';
import { GatewayErrorCodes } from './errors.ts';
import type { GatewayStore, KnownDevice } from './store/gateway-store.ts';

export interface ReconcilerOptions {
  gatewayId: string;
  store: GatewayStore;
  cache: ArtifactCache;
  local: Transport;
  upstream: Transport;
  deadLetter: DeadLetterSink;
  clock?: Clock;
  logger?: Logger;
  /** After a failed reconcile (an artifact could not be fetched), try again after this long. */
  retryMs?: number;
  /** Most devices registered (default `DEFAULT_MAX_DEVICES`); a report from one more is refused and logged. */
  maxDevices?: number;
  /**
   * The fleet's intent public key (PEM): only desired states it signed are acted on
   * (docs/SECURITY.md "Signed intent"). Without it every desired state is refused.
   */
  fleetKeyPem?: string;
  /** The gateway's report is re-sent this often even without a change, so the fleet sees it alive (default 60 s). */
  heartbeatMs?: number;
}

/** Default period of the gateway's and the devices' reported-state heartbeat. */
export const DEFAULT_HEARTBEAT_MS = 60_000;

/** How many devices a gateway registers unless told otherwise (docs/SECURITY.md "Bounds"). */
export const DEFAULT_MAX_DEVICES = 10_000;

export type GatewayStatus = ReportedState['status'];

export interface Reconciler {
  /** Converges on the stored desired state (a restarted gateway) and reports. */
  start(): Promise<void>;
  /** A device's valid report: a device seen for the first time gets its desired state at once. */
  deviceReported(deviceId: string, reported: ReportedState): void;
  /** Resolves when no reconcile is running (tests, close). */
  idle(): Promise<void>;
  readonly status: GatewayStatus;
  stop(): void;
}

/**
 * What one device should run: the one assignment that applies to it (its override, else the
 * site-wide one; protocol `assignmentFor`), without the gateway-level `devices` list. The device
 * itself is sent the fleet-signed gateway state and picks the same assignment.
 */
export function deviceDesiredState(desired: DesiredState, deviceId: string): DesiredState {
  const a = assignmentFor(desired, deviceId);
  const models: ModelAssignment[] = a ? [(({ devices: _devices, ...m }) => m)(a)] : [];
  return { target: deviceId, revision: desired.revision, issuedAt: desired.issuedAt, models };
}

/**
 * Where the site's devices stand against `desired`: converged when every known device it assigns
 * a model to reported that artifact active for this revision or a later one; failed when one
 * refused this revision; updating otherwise (a device still installing, or silent/offline).
 */
export function devicesStatus(desired: DesiredState, devices: readonly KnownDevice[]): GatewayStatus {
  let waiting = false;
  for (const d of devices) {
    const a = assignmentFor(desired, d.id);
    if (!a) continue;
    const r = d.reported;
    if (r && r.revision === desired.revision && r.status === 'failed') return 'failed';
    const active = r?.models.find((m) => m.state === 'active');
    if (!r || r.revision < desired.revision || r.status !== 'converged' || active?.artifactId !== a.artifactId) {
      waiting = true;
    }
  }
  return waiting ? 'updating' : 'converged';
}

/** The distinct artifacts a desired state assigns or runs in shadow, in order of first appearance. */
function assignedArtifacts(desired: DesiredState): ModelAssignment[] {
  const seen = new Set<string>();
  return [...desired.models, ...(desired.shadow ?? [])].filter((m) =>
    seen.has(m.artifactId) ? false : (seen.add(m.artifactId), true),
  );
}

/**
 * The gateway's reconcile loop (docs/ARCHITECTURE.md "Deploy: desired → reported"): upstream desired state →
 * every assigned artifact cached → each device's desired state published, retained, on the site
 * broker. Idempotent: the same desired state gives the same retained messages, and a restarted
 * gateway converges from the stored (or re-delivered retained) desired state.
 */
export async function createReconciler(options: ReconcilerOptions): Promise<Reconciler> {
  const clock = options.clock ?? systemClock;
  const log = (options.logger ?? silentLogger).child({ component: 'reconcile' });
  const { store, cache, local, upstream, gatewayId } = options;
  const retryMs = options.retryMs ?? 30_000;
  const maxDevices = options.maxDevices ?? DEFAULT_MAX_DEVICES;
  let deviceCount = store.listDevices().length;
  let status: GatewayStatus = 'idle';
  const modelStates = new Map<string, Pick<RunningModel, 'state' | 'error'>>();
  let running: Promise<void> | undefined;
  let again = false;
  let retryTimer: unknown;
  let stopped = false;
  /** Every assigned artifact is cached and the devices were sent the state: status follows their reports. */
  let delivered = false;
  const heartbeat = clock.setInterval(() => report(), options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS);

  function report(): void {
    if (stopped || !upstream.connected) return; // re-sent on every upstream connect
    const desired = store.getDesired();
    const models: RunningModel[] = desired
      ? assignedArtifacts(desired).map((m) => {
          const s = modelStates.get(m.artifactId) ?? { state: 'downloading' as const };
          return { name: m.name, version: m.version, artifactId: m.artifactId, ...s };
        })
      : [];
    const state: ReportedState = {
      source: gatewayId,
      kind: 'gateway',
      revision: desired?.revision ?? -1,
      at: new Date(clock.now()).toISOString(),
      status,
      models,
      // A count, not the list: each device's own report is relayed to the fleet, so the gateway's
      // report stays the same size however many devices the site has.
      deviceCount,
    };
    upstream
      .publish(topics.gateway(gatewayId, 'reported'), encode(state), { qos: 1, retain: true })
      .catch((err: unknown) => log.warn({ err: errorMessage(err) }, 'could not report state upstream'));
  }

  /** Forwards the fleet-signed state as it is: the device verifies it and picks its own assignment. */
  async function publishDevice(desired: DesiredState, deviceId: string): Promise<void> {
    await local.publish(topics.device(deviceId, 'desired'), encode(desired), { qos: 1, retain: true });
  }

  async function runOnce(): Promise<void> {
    const desired = store.getDesired();
    if (!desired) return;
    delivered = false;
    const assigned = assignedArtifacts(desired);
    const missing: ModelAssignment[] = [];
    for (const m of assigned) {
      if (await cache.has(m.artifactId)) modelStates.set(m.artifactId, { state: 'active' });
      else {
        modelStates.set(m.artifactId, { state: 'downloading' });
        missing.push(m);
      }
    }
    for (const id of [...modelStates.keys()]) if (!assigned.some((m) => m.artifactId === id)) modelStates.delete(id);
    if (missing.length > 0) {
      status = 'updating';
      report();
    }
    let firstError: OutpostError | undefined;
    await Promise.all(
      missing.map(async (m) => {
        try {
          await cache.ensure(m.artifactId);
          modelStates.set(m.artifactId, { state: 'active' });
        } catch (err) {
          const code = err instanceof OutpostError ? err.code : GatewayErrorCodes.ARTIFACT_CACHE;
          const error = { code, message: errorMessage(err) };
          modelStates.set(m.artifactId, { state: 'failed', error });
          firstError ??= new OutpostError(code, error.message);
        }
      }),
    );
    if (stopped) return;
    if (firstError) {
      // Devices keep the desired state they have until every artifact can be served from here.
      status = 'failed';
      log.warn({ revision: desired.revision, err: firstError.message }, 'reconcile failed; will retry');
      report();
      retryTimer = clock.setTimeout(() => {
        retryTimer = undefined;
        void schedule();
      }, retryMs);
      return;
    }
    for (const d of store.listDevices()) await publishDevice(desired, d.id);
    delivered = true;
    status = devicesStatus(desired, store.listDevices());
    log.info({ revision: desired.revision, devices: store.listDevices().length, status }, 'desired state delivered');
    report();
  }

  /** Runs reconciles one at a time; a trigger during a run asks for one more run after it. */
  function schedule(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (retryTimer !== undefined) {
      clock.clearTimeout(retryTimer);
      retryTimer = undefined;
    }
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await runOnce();
        } catch (err) {
          status = 'failed';
          log.error({ err: errorMessage(err) }, 'reconcile failed');
          report();
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
    });
    return running;
  }

  await upstream.route(topics.gateway(gatewayId, 'desired'), (topic, payload) => {
    let desired: DesiredState;
    const stored = store.getDesired();
    try {
      desired = decode(DesiredState, payload, 'desired state');
      // Signed by the fleet, for this gateway, not older than what it holds (docs/SECURITY.md "Signed intent").
      checkIntent(desired, {
        fleetKeyPem: options.fleetKeyPem,
        gatewayId,
        accepted: stored ? { revision: stored.revision, digest: intentDigest(stored) } : undefined,
      });
    } catch (err) {
      log.warn({ topic, code: (err as { code?: unknown }).code, err: errorMessage(err) }, 'desired state refused');
      options.deadLetter(topic, payload, err);
      return;
    }
    if (stored && sameIntent(stored, desired) && (delivered || running)) {
      report(); // nothing to do: the same retained state re-delivered on a reconnect
      return;
    }
    store.setDesired(desired);
    log.info({ revision: desired.revision, models: desired.models.length }, 'desired state received');
    void schedule();
  });
  upstream.on('connect', report);

  return {
    async start() {
      await schedule();
      report();
    },
    deviceReported(deviceId, reported) {
      if (stopped) return;
      if (deviceCount >= maxDevices && store.getDevice(deviceId) === undefined) {
        log.warn({ device: deviceId, maxDevices }, 'device registry full; report not registered');
        return;
      }
      const isNew = store.upsertDevice(deviceId, clock.now(), reported);
      const desired = store.getDesired();
      if (!isNew) {
        if (desired && delivered && !running) {
          const next = devicesStatus(desired, store.listDevices());
          if (next !== status) {
            status = next;
            report();
          }
        }
        return;
      }
      deviceCount++;
      log.info({ device: deviceId }, 'new device');
      if (desired && running)
        again = true; // the next run publishes for this device too
      else if (desired && delivered) {
        publishDevice(desired, deviceId).catch((err: unknown) =>
          log.warn({ device: deviceId, err: errorMessage(err) }, 'could not publish desired state'),
        );
        status = devicesStatus(desired, store.listDevices());
      }
      report();
    },
    async idle() {
      while (running) await running;
    },
    get status() {
      return status;
    },
    stop() {
      stopped = true;
      clock.clearInterval(heartbeat);
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
    },
  };
}
