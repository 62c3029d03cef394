import { join, resolve } from 'node:path';
import { systemClock } from '@outpost/protocol';
import type { CommandContext } from '@outpost/protocol/node';
import { isFinal, type CampaignTarget, type GateResult } from '../campaign/campaign.ts';
import {
  abortCampaign,
  createCampaign,
  getCampaign,
  pauseCampaign,
  resumeCampaign,
  type CampaignDeps,
} from '../campaign/campaigns.ts';
import type { CampaignStore } from '../campaign/campaign-store.ts';
import { openSqliteCampaignStore } from '../campaign/sqlite-campaign-store.ts';
import { campaignStatus, type CampaignStatus } from '../campaign/status.ts';
import { parseWaves } from '../campaign/waves.ts';
import { FleetErrorCodes, fleetError } from '../errors.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { openSqliteGroupStore } from '../groups/sqlite-group-store.ts';
import { DEFAULT_OFFLINE_AFTER_MS } from '../intent/outcome.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { RolloutOptions, RolloutStartOptions } from './rollout-commands.ts';
import { formatTable } from './table.ts';

async function withCampaigns<T>(dataDir: string, fn: (deps: CampaignDeps) => Promise<T> | T): Promise<T> {
  const file = join(resolve(dataDir), FLEET_DB_FILE);
  const store = openSqliteStore(file);
  const groups = openSqliteGroupStore(file);
  let campaigns: CampaignStore | undefined;
  try {
    campaigns = openSqliteCampaignStore(file);
    return await fn({ store, groups, campaigns, clock: systemClock });
  } finally {
    campaigns?.close();
    groups.close();
    store.close();
  }
}

const pct = (x: number | null): string => (x === null ? '-' : `${+(x * 100).toFixed(1)}%`);

/** A gate's measured value as printed: a count, a ratio, a PSI or a share. */
function gateValue(g: GateResult): string {
  if (g.value === null) return g.note ?? '-';
  if (g.gate === 'smoke-failures') return String(g.value);
  if (g.gate === 'p95-latency') return `${+g.value.toFixed(2)}x`;
  if (g.gate === 'prediction-psi') return `${+g.value.toFixed(3)}${g.note ? ` (${g.note})` : ''}`;
  return pct(g.value);
}

/** The campaign as text: a header, each wave with its gates and its devices' outcome, the skipped devices. */
export function formatStatus(s: CampaignStatus): string {
  const lines = [
    `campaign ${s.id}: ${s.model} v${s.version}, ${s.state}${s.reason ? ` (${s.reason})` : ''}, wave ${s.current + 1} of ${s.waves.length}, on fail ${s.onFail}`,
  ];
  for (const w of s.waves) {
    const gates = (w.gates ?? [])
      .map(
        (g) =>
          `${g.gate} ${gateValue(g)} ${g.passed ? 'ok' : g.waiting && w.state === 'soaking' ? 'waiting' : 'FAILED'}`,
      )
      .join(', ');
    lines.push(
      `wave ${w.index + 1}: ${w.state}, ${w.devices.length} device${w.devices.length === 1 ? '' : 's'}${gates ? `; ${gates}` : ''}`,
    );
  }
  const rows = s.waves.flatMap((w) =>
    w.devices.map((d) => [String(w.index + 1), d.device, d.gateway, d.state, d.running ?? '-', d.error ?? '']),
  );
  lines.push(formatTable(['wave', 'device', 'gateway', 'state', 'running', 'error'], rows));
  if (s.skipped.length > 0) {
    lines.push(
      `skipped: ${s.skipped.map((k) => `${k.device} (${k.reason}${k.detail ? `: ${k.detail}` : ''})`).join(', ')}`,
    );
  }
  return lines.join('\n');
}

/** Polls the store until the campaign is done, paused, aborted or rolled back, or `timeoutMs` passed. */
async function waitForCampaign(deps: CampaignDeps, id: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const c = getCampaign(deps, id);
    if (isFinal(c.state) || c.state === 'paused' || Date.now() >= deadline) return;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Prints the status; throws OUTPOST_ERR_CAMPAIGN_FAILED unless the campaign is done (after a wait). */
function report(
  deps: CampaignDeps,
  id: string,
  opts: { json?: boolean; mustBeDone: boolean },
  ctx: CommandContext,
): void {
  const s = campaignStatus(deps.store, getCampaign(deps, id), Date.now(), DEFAULT_OFFLINE_AFTER_MS);
  ctx.io.out(opts.json ? JSON.stringify(s, null, 2) : formatStatus(s));
  if (opts.mustBeDone && s.state !== 'done') {
    throw fleetError(
      FleetErrorCodes.CAMPAIGN_FAILED,
      `campaign ${id} is ${s.state}${s.reason ? `: ${s.reason}` : ''}`,
      {
        id,
        state: s.state,
      },
    );
  }
}

function targetOf(opts: RolloutStartOptions): CampaignTarget {
  const given = [opts.site, opts.group, opts.devices].filter((x) => x !== undefined).length;
  if (given > 1) {
    throw fleetError(
      FleetErrorCodes.CAMPAIGN_INVALID,
      'name one target: --site, --group or --devices (none: the whole fleet)',
    );
  }
  if (opts.site !== undefined) return { kind: 'site', gateway: opts.site };
  if (opts.group !== undefined) return { kind: 'group', group: opts.group };
  if (opts.devices !== undefined) return { kind: 'devices', devices: opts.devices };
  return { kind: 'fleet' };
}

/** `outpost rollout start <model> <version> …`. */
export async function runRolloutStart(
  model: string,
  version: number,
  opts: RolloutStartOptions,
  ctx: CommandContext,
): Promise<void> {
  await withCampaigns(opts.dataDir, async (deps) => {
    const c = createCampaign(
      deps,
      {
        model,
        version,
        target: targetOf(opts),
        steps: parseWaves(opts.waves),
        ...(opts.canary ? { canary: opts.canary } : {}),
        gates: {
          installSuccessMin: opts.installSuccess,
          smokeFailuresMax: opts.smokeFailures,
          soakMs: opts.soak,
          installTimeoutMs: opts.installTimeout,
          ...(opts.errorRate !== undefined ? { errorRateMax: opts.errorRate } : {}),
          ...(opts.latencyRatio !== undefined ? { p95RatioMax: opts.latencyRatio } : {}),
          ...(opts.predictionPsi !== undefined ? { predictionPsiMax: opts.predictionPsi } : {}),
          ...(opts.predictionMinRows !== undefined ? { predictionMinRows: opts.predictionMinRows } : {}),
        },
        onFail: opts.onFail,
        ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      },
      opts.reason !== undefined ? { reason: opts.reason } : {},
    );
    const sizes = c.waves.map((w) => w.devices.length).join(', ');
    ctx.io.out(
      `started campaign ${c.id}: ${model} v${version} in ${c.waves.length} wave${c.waves.length === 1 ? '' : 's'} (${sizes} devices)${c.skipped.length ? `, ${c.skipped.length} skipped` : ''}`,
    );
    if (!opts.wait) return;
    await waitForCampaign(deps, c.id, opts.timeout);
    report(deps, c.id, { mustBeDone: true, ...(opts.json ? { json: true } : {}) }, ctx);
  });
}

/** `outpost rollout status [id]`. */
export async function runRolloutStatus(
  id: string | undefined,
  opts: RolloutOptions,
  ctx: CommandContext,
): Promise<void> {
  await withCampaigns(opts.dataDir, (deps) => {
    if (id !== undefined) {
      report(deps, id, { mustBeDone: false, ...(opts.json ? { json: true } : {}) }, ctx);
      return;
    }
    const list = deps.campaigns.list();
    if (opts.json) {
      ctx.io.out(
        JSON.stringify(
          list.map((c) => ({
            id: c.id,
            model: c.model,
            version: c.version,
            state: c.state,
            wave: c.current,
            waves: c.waves.length,
            updatedAt: c.updatedAt,
          })),
          null,
          2,
        ),
      );
      return;
    }
    ctx.io.out(
      formatTable(
        ['campaign', 'model', 'state', 'wave', 'updated', 'reason'],
        list.map((c) => [
          c.id,
          `${c.model} v${c.version}`,
          c.state,
          `${c.current + 1}/${c.waves.length}`,
          c.updatedAt,
          c.reason ?? '',
        ]),
      ),
    );
  });
}

/** `outpost rollout pause | resume | abort <id>`. */
export async function runRolloutChange(
  action: 'pause' | 'resume' | 'abort',
  id: string,
  opts: RolloutOptions,
  ctx: CommandContext,
): Promise<void> {
  await withCampaigns(opts.dataDir, async (deps) => {
    const o = opts.reason !== undefined ? { reason: opts.reason } : {};
    const c =
      action === 'pause'
        ? pauseCampaign(deps, id, o)
        : action === 'resume'
          ? resumeCampaign(deps, id, o)
          : abortCampaign(deps, id, o);
    ctx.io.out(`campaign ${id} is ${c.state}`);
    if (action === 'resume' && opts.wait !== false) {
      await waitForCampaign(deps, id, opts.timeout ?? 0);
      report(deps, id, { mustBeDone: true, ...(opts.json ? { json: true } : {}) }, ctx);
    } else if (opts.json) report(deps, id, { mustBeDone: false, json: true }, ctx);
  });
}
