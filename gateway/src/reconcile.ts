import {
  DesiredState,
  OutpostError,
  canonicalJson,
  decode,
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
  ErrorCodes,
} from '@outpost/protocol';
import type { ArtifactCache } from './artifact-cache.ts';
import type { DeadLetterSink } from './dead-letters.ts';
import { GatewayErrorCodes } from './errors.ts';
import type { GatewayStore } from './store/gateway-store.ts';

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
}

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

/** What one device should run: the assignments for it, without the gateway-level `devices` list. */
export function deviceDesiredState(desired: DesiredState, deviceId: string): DesiredState {
  const models: ModelAssignment[] = desired.models
    .filter((m) => m.devices === undefined || m.devices.includes(deviceId))
    .map(({ devices: _devices, ...m }) => m);
  return { target: deviceId, revision: desired.revision, issuedAt: desired.issuedAt, models };
}

/** The distinct artifacts a desired state assigns, in order of first appearance. */
function assignedArtifacts(desired: DesiredState): ModelAssignment[] {
  const seen = new Set<string>();
  return desired.models.filter((m) => (seen.has(m.artifactId) ? false : (seen.add(m.artifactId), true)));
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

  async function publishDevice(desired: DesiredState, deviceId: string): Promise<void> {
    await local.publish(topics.device(deviceId, 'desired'), encode(deviceDesiredState(desired, deviceId)), {
      qos: 1,
      retain: true,
    });
  }

  async function runOnce(): Promise<void> {
    const desired = store.getDesired();
    if (!desired) return;
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
    status = 'converged';
    log.info({ revision: desired.revision, devices: store.listDevices().length }, 'converged');
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
    try {
      desired = decode(DesiredState, payload, 'desired state');
      if (desired.target !== gatewayId) {
        throw new OutpostError(
          ErrorCodes.TOPIC_MISMATCH,
          `desired state for ${desired.target} on ${gatewayId}'s topic`,
          {
            details: { target: desired.target },
          },
        );
      }
    } catch (err) {
      options.deadLetter(topic, payload, err);
      return;
    }
    const stored = store.getDesired();
    if (stored && canonicalJson(stored) === canonicalJson(desired) && (status === 'converged' || running)) {
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
      if (!isNew) return;
      deviceCount++;
      log.info({ device: deviceId }, 'new device');
      const desired = store.getDesired();
      if (desired && running)
        again = true; // the next run publishes for this device too
      else if (desired && status === 'converged') {
        publishDevice(desired, deviceId).catch((err: unknown) =>
          log.warn({ device: deviceId, err: errorMessage(err) }, 'could not publish desired state'),
        );
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
      if (retryTimer !== undefined) clock.clearTimeout(retryTimer);
    },
  };
}
