import { join, resolve } from 'node:path';
import { systemClock } from '@outpost/protocol';
import type { CommandContext } from '@outpost/protocol/node';
import { FLEET_DB_FILE } from '../fleet.ts';
import { registerArtifact } from '../registry.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { defaultPublicKeyPath, readPublicKey } from './run-fleet.ts';

/** `outpost register <artifactDir>`: verifies and registers into the store; no broker or running fleet needed. */
export async function runRegister(
  artifactDir: string,
  opts: { dataDir: string; publicKey?: string },
  ctx: CommandContext,
): Promise<void> {
  const dataDir = resolve(opts.dataDir);
  const publicKeyPem = readPublicKey(opts.publicKey ?? defaultPublicKeyPath(dataDir));
  const store = openSqliteStore(join(dataDir, FLEET_DB_FILE));
  try {
    const r = registerArtifact({ store, dataDir, publicKeyPem, clock: systemClock }, resolve(artifactDir));
    ctx.io.out(`registered ${r.name} v${r.version} (${r.artifactId})`);
  } finally {
    store.close();
  }
}
