/**
 * `outpost shadow <gateway> <model> <version> [--devices …]` and `outpost shadow <gateway> --off`:
 * the definition only; the action loads its implementation when it runs (docs/DEVICE.md "Shadow mode").
 */
import { Command } from 'commander';
import {
  brokerUrlOption,
  commandAction,
  durationOption,
  idListOption,
  idOption,
  intOption,
  type CommandContext,
} from '@outpost/protocol/cli';

export interface ShadowCommandOptions {
  dataDir: string;
  broker: string;
  timeout: number;
  devices?: string[];
  off?: boolean;
  reason?: string;
}

export function shadowCommand(ctx: CommandContext): Command {
  return new Command('shadow')
    .description(
      "run a registered model version in shadow on a site's devices (or --devices): scored beside the active model on the same inputs, never served, compared in telemetry; --off stops it",
    )
    .argument('<gateway>', 'gateway id', idOption('gateway'))
    .argument('[model]', 'model name of the candidate', idOption('model'))
    .argument('[version]', 'candidate version (a positive integer)', intOption('version', { min: 1 }))
    .option(
      '--devices <ids>',
      'comma-separated device ids (default: every device of the site without its own candidate)',
      idListOption('--devices'),
    )
    .option('--off', 'stop shadow mode in that scope')
    .option('--data-dir <dir>', 'fleet data folder', '.outpost/fleet')
    .option('--broker <url>', "the fleet's MQTT broker", brokerUrlOption('--broker'), 'mqtt://127.0.0.1:1883')
    .option(
      '--timeout <duration>',
      'how long to wait for the broker (500ms, 30s, 5m)',
      durationOption('--timeout', { min: 1 }),
      30_000,
    )
    .option('--reason <text>', 'why (kept in the audit log)')
    .action(
      commandAction(
        ctx,
        async (gateway: string, model: string | undefined, version: number | undefined, opts: ShadowCommandOptions) =>
          (await import('./run-shadow.ts')).runShadow(gateway, model, version, opts, ctx),
      ),
    );
}
