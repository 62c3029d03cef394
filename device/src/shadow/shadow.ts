import {
  OutpostError,
  errorMessage,
  shadowFor,
  type DesiredState,
  type FeatureValue,
  type Logger,
  type ShadowAssignment,
} from '@outpost/protocol';
import type { ArtifactFetcher } from '@outpost/protocol/node';
import { DeviceErrorCodes, deviceError } from '../errors.ts';
import type { InferenceEngine, InferenceSession } from '../inference/engine.ts';
import { modelFileFor } from '../inference/model-file.ts';
import { smokeTest } from '../smoke-test.ts';
import type { TelemetryPublisher } from '../telemetry/publisher.ts';
import type { ShadowModelRef } from '../telemetry/shadow-window.ts';

export interface ShadowOptions {
  deviceId: string;
  fetcher: ArtifactFetcher;
  /** The artifact signing key (PEM): a candidate is verified like any model. */
  publicKeyPem: string;
  engine: InferenceEngine;
  telemetry: Pick<TelemetryPublisher, 'recordShadow'>;
  logger: Logger;
  /** Milliseconds, for the candidate's latency. */
  now: () => number;
}

interface Candidate {
  ref: ShadowModelRef;
  session: InferenceSession;
}

/**
 * Shadow mode (docs/DEVICE.md "Shadow mode"): the candidate version the fleet's desired state names
 * for this device is downloaded, verified (signature, hashes) and smoke-tested like an update, but
 * kept in memory beside the active model — never in a slot, never served. After each answer the
 * active model gave, the candidate scores the same rows off the request's path, and the comparison
 * goes into the telemetry window. A failure of the candidate never touches the served answer.
 */
export class Shadow {
  private candidate: Candidate | undefined;
  private readonly pending = new Set<Promise<void>>();
  private readonly log: Logger;

  constructor(private readonly o: ShadowOptions) {
    this.log = o.logger.child({ component: 'shadow' });
  }

  /** The candidate running in shadow, if any. */
  current(): ShadowModelRef | undefined {
    return this.candidate?.ref;
  }

  /**
   * Follows a (verified) desired state: starts the candidate it names for this device, switches to
   * another, or stops — also when the candidate became the active model. Failures are logged with
   * their code and leave no candidate running.
   */
  async reconcile(desired: DesiredState, activeArtifactId: string | undefined): Promise<void> {
    const entry = shadowFor(desired, this.o.deviceId);
    if (!entry || entry.artifactId === activeArtifactId) {
      await this.stop(entry ? 'the candidate is now the active model' : 'no shadow asked');
      return;
    }
    if (this.candidate?.ref.artifactId === entry.artifactId) return;
    try {
      const next = await this.load(entry);
      const previous = this.candidate;
      this.candidate = next;
      this.log.info({ model: entry.name, version: entry.version }, 'shadow candidate running');
      await previous?.session.release();
    } catch (err) {
      const code = err instanceof OutpostError ? err.code : DeviceErrorCodes.UPDATE_FAILED;
      this.log.warn(
        { model: entry.name, version: entry.version, code, err: errorMessage(err) },
        'shadow candidate refused',
      );
      await this.stop('candidate refused');
    }
  }

  /** Scores rows the active model answered; returns at once (the request does not wait for it). */
  score(rows: readonly Record<string, FeatureValue>[], active: readonly number[]): void {
    const c = this.candidate;
    if (!c) return;
    const t0 = this.o.now();
    const p = c.session
      .run([...rows])
      .then(
        (r) => this.o.telemetry.recordShadow(c.ref, active, r.predictions, this.o.now() - t0),
        (err: unknown) => {
          this.log.debug({ err: errorMessage(err) }, 'shadow candidate failed on a batch');
          this.o.telemetry.recordShadow(c.ref, active, null, this.o.now() - t0);
        },
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Resolves once every batch given to the candidate so far is scored. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  async close(): Promise<void> {
    await this.stop('closing');
  }

  private async stop(why: string): Promise<void> {
    const c = this.candidate;
    if (!c) return;
    this.candidate = undefined;
    this.log.info({ model: c.ref.name, version: c.ref.version, why }, 'shadow candidate stopped');
    await c.session.release();
  }

  private async load(entry: ShadowAssignment): Promise<Candidate> {
    const { manifest, bundle } = await this.o.fetcher.fetch(entry.artifactId, this.o.publicKeyPem);
    if (manifest.name !== entry.name || manifest.version !== entry.version)
      throw deviceError(
        DeviceErrorCodes.ASSIGNMENT_MISMATCH,
        `artifact is ${manifest.name} v${manifest.version}, shadow asks for ${entry.name} v${entry.version}`,
      );
    const file = modelFileFor(manifest, this.o.engine).path;
    const bytes = bundle.files.get(file);
    if (!bytes) throw deviceError(DeviceErrorCodes.MODEL_LOAD, `the candidate has no ${file}`);
    const session = await this.o.engine.load(bytes, manifest);
    try {
      await smokeTest(session, manifest);
    } catch (err) {
      await session.release();
      throw err;
    }
    return {
      session,
      ref: {
        name: manifest.name,
        version: manifest.version,
        artifactId: entry.artifactId,
        classification: manifest.task !== 'regression',
      },
    };
  }
}
