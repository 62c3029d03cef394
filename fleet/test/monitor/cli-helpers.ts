/** Runs the fleet's commands in-process with captured output, as the root `outpost` program would. */
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { Command } from 'commander';
import { sha256Hex, type Manifest, type TelemetryWindow } from '@outpost/protocol';
import { runProgram, type CliIO, type CommandContext } from '@outpost/protocol/node';
import { fleetCommands } from '../../src/cli/index.ts';
import { openSqliteStore } from '../../src/store/sqlite-store.ts';

export interface Captured extends CliIO {
  stdout: string[];
  stderr: string[];
  exitCode: number | undefined;
}

export function captureIO(): Captured {
  const io: Captured = {
    stdout: [],
    stderr: [],
    exitCode: undefined,
    out: (t) => io.stdout.push(t),
    err: (t) => io.stderr.push(t),
    setExitCode: (c) => {
      io.exitCode = c;
    },
  };
  return io;
}

export async function run(...args: string[]): Promise<Captured> {
  const io = captureIO();
  const ctx: CommandContext = { io, signals: new EventEmitter() };
  const root = new Command('outpost').configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  for (const cmd of fleetCommands(ctx)) {
    cmd.configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
    root.addCommand(cmd);
  }
  await runProgram(root, ['node', 'outpost', ...args], io);
  return io;
}

/** Puts a manifest (as registered) and windows into `<dataDir>/fleet.db`. */
export function seedFleetDb(dataDir: string, manifests: Manifest[], windows: TelemetryWindow[]): void {
  const store = openSqliteStore(join(dataDir, 'fleet.db'));
  try {
    for (const m of manifests)
      store.putArtifact({
        artifactId: sha256Hex(`${m.name}:${m.version}`),
        name: m.name,
        version: m.version,
        manifest: m,
        dir: dataDir,
        registeredAt: '2025-01-01T00:00:00.000Z',
      });
    for (const w of windows) store.insertTelemetry(w, w.windowEnd);
  } finally {
    store.close();
  }
}
