import { mkdir } from 'node:fs/promises';
import { silentLogger, verifyArtifact, type ArtifactBundle, type Logger } from '@outpost/protocol';
import { DeviceErrorCodes, deviceError } from './errors.ts';
import type { InferenceEngine } from './inference/engine.ts';
import { ModelSlots } from './slots.ts';
import { smokeTest } from './smoke-test.ts';
import { StateFile } from './store/state-file.ts';

export interface ProvisionOptions {
  dataDir: string;
  bundle: ArtifactBundle;
  publicKeyPem: string;
  engine: InferenceEngine;
  logger?: Logger;
}

export interface ProvisionResult {
  name: string;
  version: number;
  artifactId: string;
  slot: string;
  modelFile: string;
}

/**
 * Installs a signed artifact into a stopped device's data directory, as a factory image or a
 * device without network would get its first model (docs/DEVICE.md "Provision a model"). The
 * same path as an update: verified against the pinned key (signature, every hash), written to
 * the inactive slot, loaded and smoke-tested on its golden examples by this device's engine, and
 * only then made the active slot — any failure leaves the previous model active. An older version
 * than the device last accepted is refused (OUTPOST_ERR_VERSION_NOT_NEWER), as over the air.
 */
export async function provisionModel(o: ProvisionOptions): Promise<ProvisionResult> {
  const log = (o.logger ?? silentLogger).child({ component: 'provision' });
  await mkdir(o.dataDir, { recursive: true });
  const manifest = verifyArtifact(o.bundle, o.publicKeyPem);
  const state = await StateFile.open(o.dataDir, log);
  const slots = new ModelSlots(o.dataDir, state, o.engine, o.publicKeyPem, log);
  slots.modelFile(manifest); // OUTPOST_ERR_MODEL_FILE_MISSING before anything is written
  const accepted = slots.lastAccepted(manifest.name);
  if (accepted !== undefined && manifest.version < accepted)
    throw deviceError(
      DeviceErrorCodes.VERSION_NOT_NEWER,
      `${manifest.name} v${manifest.version} is older than v${accepted}, which this device already accepted`,
      { details: { name: manifest.name, version: manifest.version, lastAccepted: accepted } },
    );
  const slot = slots.inactive();
  await slots.write(slot, o.bundle);
  const loaded = await slots.load(slot, o.bundle);
  try {
    await smokeTest(loaded.session, loaded.manifest);
  } finally {
    await loaded.session.release();
  }
  await slots.activate(loaded);
  log.info({ model: loaded.name, version: loaded.version, slot }, 'model provisioned');
  return {
    name: loaded.name,
    version: loaded.version,
    artifactId: loaded.artifactId,
    slot,
    modelFile: loaded.modelFile,
  };
}
