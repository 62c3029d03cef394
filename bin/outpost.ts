/**
 * The `outpost` command. Each tier contributes its subcommands from its light `cli` entry (option
 * definitions only; an action loads its tier when it runs), so `outpost --help` starts fast; a
 * tier that is not installed (a Raspberry Pi has only `device` and `protocol`) contributes none.
 * Exit codes and error lines come from the CLI kit's `runProgram` (docs/ARCHITECTURE.md "Running a tier").
 */
import { Command } from 'commander';
import { runProgram } from '@outpost/protocol/cli';

type CommandSource = () => Promise<Command[]>;

const sources: [string, CommandSource][] = [
  ['@outpost/trainer', async () => (await import('@outpost/trainer/cli')).trainerCommands()],
  ['@outpost/fleet', async () => (await import('@outpost/fleet/cli')).fleetCommands()],
  ['@outpost/gateway', async () => (await import('@outpost/gateway/cli')).gatewayCommands()],
  ['@outpost/device', async () => (await import('@outpost/device/cli')).deviceCommands()],
  ['@outpost/protocol', async () => (await import('./identity-commands.ts')).identityCommands()],
];

/**
 * The whole-stack commands load every tier when their module loads (stack/commands.ts), so they
 * are loaded only when one of them is asked for; otherwise the program lists them by name.
 */
const STACK_COMMANDS: Record<string, string> = {
  demo: 'run the whole thread once (train → fleet → gateway → devices → telemetry → drift) in a temp dir and print a summary',
  start: 'start the whole stack (fleet + embedded broker, one gateway, devices replaying data) until Ctrl-C',
  sim: 'a simulated fleet: real gateways and lightweight devices speaking the real protocol, on a running fleet',
};

function isMissingPackage(err: unknown, name: string): boolean {
  const e = err as { code?: string; message?: string };
  return e.code === 'ERR_MODULE_NOT_FOUND' && (e.message ?? '').includes(name);
}

/** The subcommand `argv` names (`outpost help <cmd>` names `<cmd>`), if any. */
function requestedCommand(argv: readonly string[]): string | undefined {
  const words = argv.slice(2).filter((a) => !a.startsWith('-'));
  return words[0] === 'help' ? words[1] : words[0];
}

export async function buildProgram(argv: readonly string[] = process.argv): Promise<Command> {
  const program = new Command('outpost')
    .description('Outpost — train, sign, deploy and monitor ML models on fleets of small devices')
    .version('0.1.0')
    // The root's own options (--version, --help) only before a subcommand: after it, the
    // subcommand's (`outpost drift occupancy --version 2` is drift's --version).
    .enablePositionalOptions()
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
  const wanted = requestedCommand(argv);
  if (wanted !== undefined && wanted in STACK_COMMANDS) {
    for (const c of (await import('../stack/commands.ts')).stackCommands()) program.addCommand(c);
  } else {
    for (const [name, description] of Object.entries(STACK_COMMANDS))
      program.addCommand(new Command(name).description(description).allowUnknownOption());
  }
  return program;
}

await runProgram(await buildProgram());
