import type { Command } from 'commander';
import { assignCommand } from './assign-command.ts';
import { driftCommand } from './drift-command.ts';
import { fleetCommand } from './fleet-command.ts';
import { processIO, type CliIO } from './io.ts';
import { registerCommand } from './register-command.ts';

export type { CliIO } from './io.ts';

/** The fleet's CLI commands (`outpost fleet | register | assign | drift`), for the root `outpost` program. */
export function fleetCommands(io: CliIO = processIO): Command[] {
  return [fleetCommand(io), registerCommand(io), assignCommand(io), driftCommand(io)];
}
