import { join, resolve } from 'node:path';
import { systemClock } from '@outpost/protocol';
import type { CommandContext } from '@outpost/protocol/node';
import { FLEET_DB_FILE } from '../fleet.ts';
import { moveDevice } from '../intent/move-device.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { MoveOptions } from './inventory-commands.ts';

/** `outpost devices move <device> --to <gateway>`: store only; a running fleet's broker reads the binding on every publish. */
export function runMove(device: string, opts: MoveOptions, ctx: CommandContext): void {
  const store = openSqliteStore(join(resolve(opts.dataDir), FLEET_DB_FILE));
  try {
    const r = moveDevice({ store, clock: systemClock }, device, opts.to, opts.reason ? { reason: opts.reason } : {});
    if (opts.json) ctx.io.out(JSON.stringify(r, null, 2));
    else ctx.io.out(`moved ${device}: ${r.from ?? '(never seen)'} → ${r.to}`);
  } finally {
    store.close();
  }
}
