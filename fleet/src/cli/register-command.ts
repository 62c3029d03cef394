import { join, resolve } from 'node:path';
import { Command } from 'commander';
import { systemClock } from '@outpost/protocol';
import { FLEET_DB_FILE } from '../fleet.ts';
import { registerArtifact } from '../registry.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { DEFAULT_DATA_DIR } from './args.ts';
import { defaultPublicKeyPath, readPublicKey } from './fleet-command.ts';
import { runAction, type CliIO } from './io.ts';

/** `outpost register <artifactDir>`: verifies and registers into the store; no broker or running fleet needed. */
export function registerCommand(io: CliIO): Command {
  return new Command('register')
    .description('verify a signed artifact folder and register it in the fleet store (works offline)')
    .argument('<artifactDir>', 'folder holding manifest.json and the files it lists')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--public-key <file>', 'artifact signing public key (PEM); default <data-dir>/keys/signing.pub')
    .action((artifactDir: string, opts: { dataDir: string; publicKey?: string }) =>
      runAction(io, async () => {
        const dataDir = resolve(opts.dataDir);
        const publicKeyPem = readPublicKey(opts.publicKey ?? defaultPublicKeyPath(dataDir));
        const store = openSqliteStore(join(dataDir, FLEET_DB_FILE));
        try {
          const r = registerArtifact({ store, dataDir, publicKeyPem, clock: systemClock }, resolve(artifactDir));
          io.out(`registered ${r.name} v${r.version} (${r.artifactId})`);
        } finally {
          store.close();
        }
      }),
    );
}
