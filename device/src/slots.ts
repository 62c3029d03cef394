import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  MANIFEST_FILE,
  errorMessage,
  sha256Hex,
  verifyArtifact,
  type ArtifactBundle,
  type FileEntry,
  type Logger,
  type Manifest,
} from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from './errors.ts';
import type { InferenceEngine, InferenceSession } from './inference/engine.ts';
import { inputsAcceptingMissing } from './inference/missing-inputs.ts';
import { modelFileFor } from './inference/model-file.ts';
import { syncDir, writeAndSync } from './store/atomic-file.ts';
import type { SlotName, StateFile } from './store/state-file.ts';

/** A model loaded from a slot, ready to predict. */
export interface LoadedModel {
  slot: SlotName;
  name: string;
  version: number;
  artifactId: string;
  manifest: Manifest;
  /** The artifact file the engine runs (model.onnx or model.tflite). */
  modelFile: string;
  session: InferenceSession;
  /**
   * The 'float' inputs this model may take missing (inference/missing-inputs.ts); absent on a
   * model built by hand, where the manifest's `missing` fields alone decide.
   */
  acceptsMissing?: ReadonlySet<string>;
}

export const otherSlot = (s: SlotName): SlotName => (s === 'a' ? 'b' : 'a');

/**
 * Model slots A/B under `<dataDir>/slots/{a,b}/` (docs/ARCHITECTURE.md "Deploy: desired → reported"):
 * a new model is written into the inactive slot, and only a successful smoke test flips
 * `state.json`'s `active`, so a power cut at any point leaves a working model to start on.
 * Of an artifact's files, the engine runs the one whose manifest role is its `modelRole`
 * (inference/model-file.ts); an artifact without one is refused (OUTPOST_ERR_MODEL_FILE_MISSING).
 */
export class ModelSlots {
  constructor(
    private readonly dataDir: string,
    private readonly state: StateFile,
    private readonly engine: InferenceEngine,
    private readonly publicKeyPem: string,
    private readonly logger: Logger,
  ) {}

  dir(slot: SlotName): string {
    return path.join(this.dataDir, 'slots', slot);
  }

  /** The slot a new model goes into. */
  inactive(): SlotName {
    const active = this.state.get().active;
    return active === null ? 'a' : otherSlot(active);
  }

  /** Replaces a slot's content: written into a temp folder, fsynced, renamed into place. */
  async write(slot: SlotName, bundle: ArtifactBundle): Promise<void> {
    const root = path.join(this.dataDir, 'slots');
    const tmp = path.join(root, `.${slot}.${randomBytes(4).toString('hex')}.tmp`);
    const target = this.dir(slot);
    try {
      await mkdir(tmp, { recursive: true });
      await writeAndSync(path.join(tmp, MANIFEST_FILE), bundle.manifestBytes);
      for (const [file, bytes] of bundle.files) await writeAndSync(path.join(tmp, file), bytes);
      await syncDir(tmp);
      await rm(target, { recursive: true, force: true });
      await rename(tmp, target);
      await syncDir(root);
    } catch (err) {
      await rm(tmp, { recursive: true, force: true });
      throw deviceError(DeviceErrorCodes.STORAGE, `cannot write slot ${slot}: ${errorMessage(err)}`, { cause: err });
    }
  }

  /** Reads a slot's manifest and the files it lists; undefined when the slot is empty. */
  async read(slot: SlotName): Promise<ArtifactBundle | undefined> {
    const dir = this.dir(slot);
    let manifestBytes: Uint8Array;
    try {
      manifestBytes = await readFile(path.join(dir, MANIFEST_FILE));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    const listed =
      (JSON.parse(Buffer.from(manifestBytes).toString('utf8')) as { files?: { path?: unknown }[] }).files ?? [];
    const files = new Map<string, Uint8Array>();
    for (const entry of listed) {
      const file = String(entry.path);
      if (!/^[A-Za-z0-9_.-]+$/.test(file)) continue;
      try {
        files.set(file, await readFile(path.join(dir, file)));
      } catch {
        /* missing: verifyArtifact reports it */
      }
    }
    return { manifestBytes, files };
  }

  /**
   * The manifest entry of the file this device's engine runs; throws
   * OUTPOST_ERR_MODEL_FILE_MISSING when the artifact has none (checked before a slot is written).
   */
  modelFile(manifest: Manifest): FileEntry {
    return modelFileFor(manifest, this.engine);
  }

  /** Verifies a bundle against the pinned key and loads the engine's model file from it. */
  async load(slot: SlotName, bundle: ArtifactBundle, expectedArtifactId?: string): Promise<LoadedModel> {
    const manifest = verifyArtifact(bundle, this.publicKeyPem, expectedArtifactId);
    const file = this.modelFile(manifest).path;
    const modelBytes = bundle.files.get(file);
    if (!modelBytes) throw deviceError(DeviceErrorCodes.MODEL_LOAD, `slot ${slot} has no ${file}`);
    const session = await this.engine.load(modelBytes, manifest);
    const onnx = manifest.files.find((f) => f.role === 'model') ?? manifest.files.find((f) => f.role === 'model-float');
    const acceptsMissing = inputsAcceptingMissing(manifest, onnx && bundle.files.get(onnx.path));
    return {
      acceptsMissing,
      slot,
      name: manifest.name,
      version: manifest.version,
      artifactId: sha256Hex(bundle.manifestBytes),
      manifest,
      modelFile: file,
      session,
    };
  }

  /**
   * On start: re-verify and load the active slot so the device predicts without its gateway; if
   * that fails, fall back to the other slot (and make it the active one).
   */
  async loadOnStart(): Promise<LoadedModel | undefined> {
    const active = this.state.get().active;
    if (active === null) return undefined;
    for (const slot of [active, otherSlot(active)]) {
      try {
        const bundle = await this.read(slot);
        if (!bundle) continue;
        const loaded = await this.load(slot, bundle);
        if (slot !== active) {
          this.logger.warn({ slot, failed: active }, 'active slot unusable; started on the other slot');
          await this.state.update((s) => ({ ...s, active: slot }));
        }
        this.logger.info(
          { slot, model: loaded.name, version: loaded.version, file: loaded.modelFile, engine: this.engine.name },
          'loaded installed model',
        );
        return loaded;
      } catch (err) {
        this.logger.error(
          { slot, code: (err as { code?: unknown }).code, err: errorMessage(err) },
          'installed model unusable',
        );
      }
    }
    return undefined;
  }

  /**
   * Makes a slot the active one and records the accepted version; resolves once durable. After a
   * signed explicit rollback (`rollback`), the rolled-back version becomes the last accepted one,
   * so the model can move forward again from there.
   */
  async activate(model: LoadedModel, rollback = false): Promise<void> {
    await this.state.update((s) => {
      const previous = s.lastAccepted[model.name] ?? 0;
      return {
        ...s,
        active: model.slot,
        lastAccepted: {
          ...s.lastAccepted,
          [model.name]: rollback ? model.version : Math.max(previous, model.version),
        },
      };
    });
  }

  lastAccepted(name: string): number | undefined {
    return this.state.get().lastAccepted[name];
  }
}
