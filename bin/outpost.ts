/**
 * The `outpost` command. Each tier contributes its subcommands from its public entry; a tier that
 * is not installed (a Raspberry Pi has only `device` and `protocol`) simply contributes none.
 */
import { Command } from 'commander';
import { isOutpostError } from '@outpost/protocol';

type CommandSource = () => Promise<Command[]>;

const sources: [string, CommandSource][] = [
  ['@outpost/trainer', async () => (await import('@outpost/trainer')).trainerCommands()],
  ['@outpost/fleet', async () => (await import('@outpost/fleet')).fleetCommands()],
  ['@outpost/gateway', async () => (await import('@outpost/gateway')).gatewayCommands()],
  ['@outpost/device', async () => (await import('@outpost/device')).deviceCommands()],
  ['stack', async () => (await import('../stack/commands.ts')).stackCommands()],
];

function isMissingPackage(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === 'ERR_MODULE_NOT_FOUND' && (e.message ?? '').includes(name);
}

export async function buildProgram(): Promise<Command> {
  const program = new Command('outpost')
    .description('Outpost — train, sign, deploy and monitor ML models on fleets of small devices')
    .version('0.1.0')
    .showHelpAfterError()
    .configureHelp({ sortSubcommands: false });
  for (const [name, load] of sources) {
    let commands: Command[];
    try {
      commands = await load();
    } catch (err) {
      if (isMissingPackage(err, name)) continue;
      throw err;
    }
    for (const c of commands) program.addCommand(c);
  }
  return program;
}

const program = await buildProgram();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Coded errors are the user's to read, not a stack trace (docs/errors.md lists every code).
  if (!isOutpostError(err)) throw err;
  console.error(`outpost: ${err.code}: ${err.message}`);
  process.exitCode = 2;
}
