#!/usr/bin/env node
/**
 * The device package's own program, `outpost-device` (docs/DEVICE.md "Install"): what a Raspberry
 * Pi runs from the packed, compiled package, with no trainer, fleet or gateway installed and no tsx.
 * `outpost-device device --id …` is `outpost device --id …` of the full checkout.
 */
import { Command } from 'commander';
import { runProgram } from '@outpost/protocol/cli';
import { deviceCommands } from './index.ts';

const program = new Command('outpost-device')
  .description('Outpost device runtime: verified model slots, local REST API, telemetry')
  .version('0.1.0')
  .showHelpAfterError();
for (const c of deviceCommands()) program.addCommand(c);
await runProgram(program);
