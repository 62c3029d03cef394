#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --max-semi-space-size=1 --heap-growing-percent=50
/**
 * The device package's own program, `outpost-device` (docs/DEVICE.md "Install"): what a Raspberry
 * Pi runs from the packed, compiled package, with no trainer, fleet or gateway installed and no tsx.
 * `outpost-device device --id …` is `outpost device --id …` of the full checkout.
 *
 * `--max-semi-space-size=1` (MB) caps V8's young generation: by default it grows to 16 MB per
 * semi-space under HTTP load and is never given back, ≈ 40 MB of RSS on a device whose live heap is
 * a few MB (docs/DEVICE.md "Memory"). `--heap-growing-percent=50` makes V8 collect the old
 * generation once it is 1.5× its live size after the last full collection, on any machine; by
 * default the factor follows the machine's memory (up to 4× with gigabytes), and under load the
 * small young generation promotes short-lived request objects, which then pile up (≈ 15 MB after
 * 20,000 requests). `MALLOC_ARENA_MAX=2` keeps glibc from giving each of Node's threads its own
 * malloc arena (≈ 10 MB of RSS with the model's native session). All are read only at start, hence
 * the shebang.
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
