import { usageError, withLifecycle, type CommandContext } from '@outpost/protocol/node';
import { setShadow } from '../intent/shadow.ts';
import { openIntentSession } from './connect.ts';
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
      const deps = await openIntentSession(lifecycle, opts);
      const candidate = model !== undefined && version !== undefined ? { model, version } : undefined;
      const t = await setShadow(
        deps,
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
