import { withLifecycle, type CommandContext } from '@outpost/protocol/node';
import { assign, rollback, unassign, type IntentTarget } from '../desired-state.ts';
import { openIntentSession } from './connect.ts';
import type { IntentCommandOptions, RollbackCommandOptions } from './intent-commands.ts';
import { reportOutcome, waitForOutcome } from './wait-outcome.ts';

/**
 * Opens the store and the broker, runs `change` (which signs, stores and publishes), then waits
 * for the targeted devices unless `--no-wait` and prints their outcome.
 */
async function runIntent(
  opts: IntentCommandOptions,
  ctx: CommandContext,
  change: (deps: Parameters<typeof assign>[0]) => Promise<{ line: string; targets: IntentTarget[] }>,
): Promise<void> {
  await withLifecycle(
    async (lifecycle) => {
      const started = Date.now();
      const deps = await openIntentSession(lifecycle, opts);
      const { line, targets } = await change(deps);
      const devices = targets.reduce((n, t) => n + t.devices.length, 0);
      if (!opts.wait) {
        ctx.io.out(line);
        return;
      }
      if (devices === 0) {
        ctx.io.out(`${line}; no known device is targeted yet: it applies when devices report`);
        return;
      }
      ctx.io.out(`${line}; waiting for ${devices} device${devices === 1 ? '' : 's'}`);
      const list = await waitForOutcome(deps.store, targets, {
        timeoutMs: Math.max(0, opts.timeout - (Date.now() - started)),
        offlineAfterMs: opts.offlineAfter,
      });
      reportOutcome(ctx.io, list, opts.json === true);
    },
    { source: ctx.signals },
  );
}

const intentOpts = (opts: IntentCommandOptions): { reason?: string } =>
  opts.reason !== undefined ? { reason: opts.reason } : {};

/** `outpost assign <gateway> <model> <version> [--devices …]`. */
export async function runAssign(
  gateway: string,
  model: string,
  version: number,
  opts: IntentCommandOptions & { devices?: string[] },
  ctx: CommandContext,
): Promise<void> {
  await runIntent(opts, ctx, async (deps) => {
    const t = await assign(deps, gateway, model, version, opts.devices, intentOpts(opts));
    const where = opts.devices ? `${gateway} devices ${t.state.models.at(-1)?.devices?.join(',')}` : gateway;
    return { line: `assigned ${model} v${version} to ${where} (revision ${t.state.revision})`, targets: [t] };
  });
}

/** `outpost unassign <gateway> [--devices …]`. */
export async function runUnassign(
  gateway: string,
  opts: IntentCommandOptions & { devices?: string[] },
  ctx: CommandContext,
): Promise<void> {
  await runIntent({ ...opts, wait: false }, ctx, async (deps) => {
    const t = await unassign(deps, gateway, opts.devices, intentOpts(opts));
    const what = opts.devices ? `the overrides of ${opts.devices.join(',')}` : 'the site-wide assignment';
    return { line: `removed ${what} at ${gateway} (revision ${t.state.revision})`, targets: [t] };
  });
}

/** `outpost rollback <model> [--to <version>] [--site <gateway>] [--device <ids>]`. */
export async function runRollback(model: string, opts: RollbackCommandOptions, ctx: CommandContext): Promise<void> {
  await runIntent(opts, ctx, async (deps) => {
    const r = await rollback(deps, model, {
      ...intentOpts(opts),
      ...(opts.to !== undefined ? { to: opts.to } : {}),
      ...(opts.site !== undefined ? { site: opts.site } : {}),
      ...(opts.device !== undefined ? { devices: opts.device } : {}),
    });
    const where = r.targets.map((t) => `${t.gatewayId} (revision ${t.state.revision})`).join(', ');
    return { line: `rolled ${model} back to v${r.to} at ${where}`, targets: r.targets };
  });
}
