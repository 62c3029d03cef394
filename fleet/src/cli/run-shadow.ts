import { join, resolve } from 'node:path';
import { systemClock } from '@outpost/protocol';
import { usageError, withLifecycle, type CommandContext } from '@outpost/protocol/node';
import { setShadow } from '../intent/shadow.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { loadIntentKey } from '../intent/intent-key.ts';
import type { FleetStore } from '../store/fleet-store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import { connectBroker } from './connect.ts';
import type { ShadowCommandOptions } from './shadow-commands.ts';

/** `outpost shadow`: signs, stores and publishes the gateway's desired state with its shadow candidate. */
export async function runShadow(
  gateway: string,
  model: string | undefined,
  version: number | undefined,
  opts: ShadowCommandOptions,
  ctx: CommandContext,
): Promise<void> {
  if (opts.off && model !== undefined) throw usageError('--off', '--off takes no model or version');
  if (!opts.off && (model === undefined || version === undefined))
    throw usageError('<model> <version>', 'name the candidate (model and version), or pass --off');
  await withLifecycle(
    async (lifecycle) => {
      const dataDir = resolve(opts.dataDir);
      const store: FleetStore = await lifecycle.start(
        'store',
        () => openSqliteStore(join(dataDir, FLEET_DB_FILE)),
        (s) => s.close(),
      );
      const intentKeys = loadIntentKey(dataDir);
      const transport = await lifecycle.start(
        'broker connection',
        () => connectBroker(opts.broker, opts.timeout, dataDir),
        (t) => t.close(),
      );
      const candidate = model !== undefined && version !== undefined ? { model, version } : undefined;
      const t = await setShadow(
        { store, clock: systemClock, intentKeys, transport },
        gateway,
        candidate,
        opts.devices,
        opts.reason !== undefined ? { reason: opts.reason } : {},
      );
      const where = opts.devices ? `${gateway} devices ${opts.devices.join(',')}` : gateway;
      ctx.io.out(
        candidate
          ? `shadow ${candidate.model} v${candidate.version} on ${where} (revision ${t.state.revision}; ${t.devices.length} known device${t.devices.length === 1 ? '' : 's'})`
          : `shadow off at ${where} (revision ${t.state.revision})`,
      );
    },
    { source: ctx.signals },
  );
}
