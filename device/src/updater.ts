import {
  DesiredState,
  OutpostError,
  assignmentFor,
  backoffDelay,
  systemClock,
  type BackoffRule,
  type Clock,
  checkIntent,
  decode,
  intentDigest,
  errorMessage,
  topics,
  type ArtifactBundle,
  type Logger,
  type ModelAssignment,
  type RunningModel,
  type Transport,
} from '@outpost/protocol';
import { isTransientTransferError, type ArtifactFetcher } from '@outpost/protocol/node';
import { DeviceErrorCodes, deviceError } from './errors.ts';
import type { Reporter } from './reporter.ts';
import type { LoadedModel, ModelSlots } from './slots.ts';
import type { StateFile } from './store/state-file.ts';
import { smokeTest } from './smoke-test.ts';

/**
 * The steps of an update, in order (docs/DEVICE.md "Power-cut safety"): `download` (the artifact
 * is fetched and its signature and hashes checked), `verify` (it is the assigned model, not older than
 * the last accepted), `write` (into the inactive slot), `load`, `smoke-test`, `activate` (the slot
 * switch in state.json), `commit` (the switch is durable; the new model is swapped in and reported).
 */
export const UPDATE_STEPS = ['download', 'verify', 'write', 'load', 'smoke-test', 'activate', 'commit'] as const;
export type UpdateStep = (typeof UPDATE_STEPS)[number];

export interface UpdaterOptions {
  deviceId: string;
  transport: Transport;
  fetcher: ArtifactFetcher;
  publicKeyPem: string;
  slots: ModelSlots;
  reporter: Reporter;
  logger: Logger;
  active(): LoadedModel | undefined;
  /** Swaps the running model in; the caller releases the previous session. */
  activate(model: LoadedModel): Promise<void>;
  /** The fleet's intent public key (PEM); without it every desired state is refused. */
  fleetKeyPem?: string;
  /**
   * The gateway this device belongs to: desired states for another gateway are refused. Absent:
   * the gateway of the first desired state accepted is pinned in state.json.
   */
  gatewayId?: string;
  /** Where the highest accepted revision is kept across restarts. */
  state: StateFile;
  /**
   * Awaited as the update enters each step (docs/DEVICE.md "Power-cut safety"): the power-cut test
   * holds a real device process at a step and SIGKILLs it there.
   */
  checkpoint?: (step: UpdateStep, model: { name: string; version: number }) => Promise<void>;
  /** Called with every accepted desired state once its assignment is applied (shadow mode follows it). */
  afterApply?: (desired: DesiredState) => Promise<void>;
  clock?: Clock;
  /** When a transient failure is retried (default `DEFAULT_UPDATE_RETRY`: 30 s doubling to 10 min, jitter). */
  retry?: BackoffRule;
  /** For the retry's jitter (default Math.random). */
  random?: () => number;
}

/** A transient update failure is retried after 30 s, then 60 s, 2 min … up to 10 min, each up to a quarter longer at random. */
export const DEFAULT_UPDATE_RETRY: BackoffRule = { baseMs: 30_000, capMs: 600_000 };

/**
 * Failures worth retrying (by the device after a back-off, or when the same desired state arrives
 * again): disk errors, and every transfer failure that is not a verdict on the artifact itself —
 * a time-out, a busy or absent gateway, a forged or garbled reply must not block a clean copy of
 * the same revision (docs/SECURITY.md).
 */
function isTransient(err: OutpostError): boolean {
  return err.code === DeviceErrorCodes.STORAGE || isTransientTransferError(err);
}

export function runningOf(model: LoadedModel, state: RunningModel['state'] = 'active'): RunningModel {
  return { name: model.name, version: model.version, artifactId: model.artifactId, state };
}

/**
 * The device update state machine (docs/ARCHITECTURE.md "Deploy: desired → reported"): download → verify (signature, hashes, version
 * newer than the last accepted, a file for this device's engine) → write into the inactive slot →
 * load → smoke test (golden examples, on the engine's own file) → activate.
 * Any failure keeps the previous model active and reports why. Reconciling is idempotent: an
 * assignment already active is only re-reported.
 */
export class Updater {
  private running = false;
  private next: DesiredState | undefined;
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();
  /** Non-transient failures by revision and artifact, so a re-delivered desired state is not retried. */
  private readonly failed = new Map<string, OutpostError>();
  /** Desired states refused (bad signature, another gateway, stale revision), by code. */
  readonly refused = new Map<string, number>();
  /** Serialises intent checks with their state.json write, so two messages cannot both pass one revision. */
  private accepting: Promise<void> = Promise.resolve();
  private readonly log: Logger;
  private readonly clock: Clock;
  /** The latest desired state accepted: a scheduled retry runs only while it is still this one. */
  private latest: DesiredState | undefined;
  private retryTimer: unknown;
  /** The update being retried (`revision:artifactId`) and how many retries it has had. */
  private retrying: { key: string; count: number } | undefined;

  constructor(private readonly o: UpdaterOptions) {
    this.log = o.logger.child({ component: 'updater' });
    this.clock = o.clock ?? systemClock;
  }

  /** Registers the desired-state route; call before the transport starts. */
  async start(): Promise<void> {
    await this.o.transport.route(topics.device(this.o.deviceId, 'desired'), (_topic, payload) =>
      this.onDesired(payload),
    );
  }

  /** Stops taking desired states and waits for an update in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.next = undefined;
    this.cancelRetry();
    await this.idle;
  }

  onDesired(payload: Buffer): Promise<void> {
    this.accepting = this.accepting.then(() => this.accept(payload));
    return this.accepting;
  }

  /**
   * Acts only on a desired state the fleet signed, for this device's gateway, whose revision is not
   * below the highest accepted (docs/SECURITY.md "Signed intent"); the revision is made durable
   * before the update starts.
   */
  private async accept(payload: Buffer): Promise<void> {
    if (this.stopped) return;
    const { state } = this.o;
    let desired: DesiredState;
    try {
      desired = decode(DesiredState, payload, 'desired state');
      const held = state.get().intent;
      checkIntent(desired, {
        fleetKeyPem: this.o.fleetKeyPem,
        gatewayId: this.o.gatewayId ?? held?.gateway,
        accepted: held,
      });
      if (held?.revision !== desired.revision || held.digest !== intentDigest(desired)) {
        const intent = { revision: desired.revision, digest: intentDigest(desired), gateway: desired.target };
        await state.update((s) => ({ ...s, intent }));
      }
    } catch (err) {
      const code = err instanceof OutpostError ? err.code : 'invalid';
      this.refused.set(code, (this.refused.get(code) ?? 0) + 1);
      this.log.warn({ code, err: errorMessage(err) }, 'desired state refused');
      return;
    }
    if (this.stopped) return;
    this.latest = desired;
    this.cancelRetry(); // applying it now; a failure schedules its own retry
    this.enqueue(desired);
  }

  private enqueue(desired: DesiredState): void {
    this.next = desired;
    if (this.running) return; // the loop picks the latest one up
    this.running = true;
    this.idle = this.loop().finally(() => {
      this.running = false;
    });
  }

  private async loop(): Promise<void> {
    while (this.next && !this.stopped) {
      const desired = this.next;
      this.next = undefined;
      try {
        await this.apply(desired);
        await this.o.afterApply?.(desired);
      } catch (err) {
        this.log.error({ err: errorMessage(err) }, 'update loop error');
      }
    }
  }

  private activeModels(): RunningModel[] {
    const a = this.o.active();
    return a ? [runningOf(a)] : [];
  }

  private async apply(desired: DesiredState): Promise<void> {
    const { deviceId, reporter } = this.o;
    const assignment = assignmentFor(desired, deviceId);
    const active = this.o.active();
    if (!assignment) {
      reporter.set(desired.revision, active ? 'converged' : 'idle', this.activeModels());
      return;
    }
    if (active?.artifactId === assignment.artifactId) {
      reporter.set(desired.revision, 'converged', this.activeModels());
      return;
    }
    const failKey = `${desired.revision}:${assignment.artifactId}`;
    const known = this.failed.get(failKey);
    if (known) {
      this.reportFailure(desired.revision, assignment, known);
      return;
    }
    const progress = (state: RunningModel['state']): void =>
      reporter.set(desired.revision, 'updating', [
        ...this.activeModels(),
        { name: assignment.name, version: assignment.version, artifactId: assignment.artifactId, state },
      ]);
    const step = (at: UpdateStep): Promise<void> => this.step(at, assignment);
    try {
      const loaded = await this.install(assignment, progress);
      try {
        await step('smoke-test');
        await smokeTest(loaded.session, loaded.manifest);
        await step('activate');
      } catch (err) {
        await loaded.session.release();
        throw err;
      }
      await this.o.slots.activate(loaded, assignment.rollback === true);
      await step('commit');
      await this.o.activate(loaded);
      this.log.info(
        { model: loaded.name, version: loaded.version, slot: loaded.slot, file: loaded.modelFile },
        'model activated',
      );
      this.retrying = undefined;
      reporter.set(desired.revision, 'converged', this.activeModels());
    } catch (err) {
      const error =
        err instanceof OutpostError
          ? err
          : new OutpostError(DeviceErrorCodes.UPDATE_FAILED, errorMessage(err), { cause: err });
      const retryAt = isTransient(error) ? this.scheduleRetry(desired, failKey) : undefined;
      if (retryAt === undefined) this.failed.set(failKey, error);
      this.log.warn(
        {
          model: assignment.name,
          version: assignment.version,
          code: error.code,
          reason: error.message,
          ...(retryAt !== undefined ? { retryAt: new Date(retryAt).toISOString() } : {}),
        },
        'update refused; previous model kept',
      );
      this.reportFailure(desired.revision, assignment, error, retryAt);
    }
  }

  /**
   * After a transient failure, applies the same desired state again after a back-off (docs/DEVICE.md
   * "Updates"), unless a newer one arrived meanwhile; returns when. The count grows with each
   * failed retry of the same update and starts again for another.
   */
  private scheduleRetry(desired: DesiredState, key: string): number {
    const count = this.retrying?.key === key ? this.retrying.count : 0;
    this.retrying = { key, count: count + 1 };
    const wait = backoffDelay(this.o.retry ?? DEFAULT_UPDATE_RETRY, count, this.o.random);
    this.cancelRetry();
    this.retryTimer = this.clock.setTimeout(() => {
      this.retryTimer = undefined;
      if (this.stopped || this.latest !== desired) return;
      this.log.info({ revision: desired.revision, retry: count + 1 }, 'retrying update');
      this.enqueue(desired);
    }, wait);
    return this.clock.now() + wait;
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) this.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /** Downloads (or finds in the inactive slot) and loads the assigned artifact. */
  private async install(
    assignment: ModelAssignment,
    progress: (s: RunningModel['state']) => void,
  ): Promise<LoadedModel> {
    const { slots } = this.o;
    const slot = slots.inactive();
    // The version rule: not older than the last accepted (the same version is the same artifact:
    // the fleet registers one per version, e.g. a device coming back to its site-wide model),
    // unless the fleet signed an explicit rollback.
    const checkVersion = (name: string, version: number): void => {
      const last = slots.lastAccepted(name);
      if (assignment.rollback !== true && last !== undefined && version < last) {
        throw deviceError(
          DeviceErrorCodes.VERSION_NOT_NEWER,
          `${name} v${version} is not newer than the accepted v${last}`,
          {
            details: { version, lastAccepted: last },
          },
        );
      }
    };
    checkVersion(assignment.name, assignment.version);
    // The inactive slot may already hold the assigned artifact (the previous model): switch to it
    // without a download; it is verified again as it loads.
    const step = (at: UpdateStep): Promise<void> => this.step(at, assignment);
    const previous = await this.readSlot(slot);
    if (previous) {
      try {
        progress('loading');
        await step('load');
        const loaded = await slots.load(slot, previous, assignment.artifactId);
        this.log.info({ model: loaded.name, version: loaded.version }, 'switching to the model in the other slot');
        return loaded;
      } catch {
        /* not that artifact (or damaged): download it */
      }
    }
    progress('downloading');
    await step('download');
    const { manifest, bundle } = await this.o.fetcher.fetch(assignment.artifactId, this.o.publicKeyPem);
    progress('verifying');
    await step('verify');
    if (manifest.name !== assignment.name || manifest.version !== assignment.version) {
      throw deviceError(
        DeviceErrorCodes.ASSIGNMENT_MISMATCH,
        `artifact is ${manifest.name} v${manifest.version}, assignment is ${assignment.name} v${assignment.version}`,
      );
    }
    checkVersion(manifest.name, manifest.version);
    // A file this device's engine cannot run (no model.tflite for a TFLite device) is refused before
    // it overwrites the inactive slot, which may hold the model to roll back to.
    slots.modelFile(manifest);
    await step('write');
    await slots.write(slot, bundle);
    progress('loading');
    await step('load');
    return slots.load(slot, bundle, assignment.artifactId);
  }

  private async step(at: UpdateStep, model: ModelAssignment): Promise<void> {
    this.log.debug({ step: at, model: model.name, version: model.version }, 'update step');
    await this.o.checkpoint?.(at, { name: model.name, version: model.version });
  }

  private async readSlot(slot: 'a' | 'b'): Promise<ArtifactBundle | undefined> {
    try {
      return await this.o.slots.read(slot);
    } catch {
      return undefined;
    }
  }

  private reportFailure(revision: number, assignment: ModelAssignment, error: OutpostError, retryAt?: number): void {
    this.o.reporter.set(revision, 'failed', [
      ...this.activeModels(),
      {
        name: assignment.name,
        version: assignment.version,
        artifactId: assignment.artifactId,
        state: 'failed',
        error: {
          code: error.code,
          message: error.message.slice(0, 500),
          ...(retryAt !== undefined ? { retryAt: new Date(retryAt).toISOString() } : {}),
        },
      },
    ]);
  }
}
