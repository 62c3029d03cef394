import { readFileSync } from 'node:fs';
import { errorMessage } from '@outpost/protocol';
import {
  createLogger,
  readArtifactFolder,
  usageError,
  type CommandContext,
  type LogLevel,
} from '@outpost/protocol/node';
import { selectEngine } from '../inference/engine-choice.ts';
import { provisionModel } from '../provision.ts';
import type { ProvisionCliOptions } from './index.ts';

/** `outpost provision`: verify, smoke-test and install an artifact into a device data dir. */
export async function runProvision(o: ProvisionCliOptions, ctx: CommandContext): Promise<void> {
  let publicKeyPem: string;
  try {
    publicKeyPem = readFileSync(o.publicKey, 'utf8');
  } catch (err) {
    throw usageError('--public-key', `cannot read ${o.publicKey}: ${errorMessage(err)}`, err);
  }
  const { engine } = await selectEngine(o.engine);
  const logger = createLogger({ level: o.logLevel as LogLevel, name: 'outpost-provision' });
  const result = await provisionModel({
    dataDir: o.dataDir,
    bundle: readArtifactFolder(o.artifact),
    publicKeyPem,
    engine,
    logger,
  });
  ctx.io.out(
    `provisioned ${result.name} v${result.version} (${result.artifactId.slice(0, 12)}) into slot ${result.slot}: ${result.modelFile} passed its golden examples in ${engine.name}`,
  );
}
