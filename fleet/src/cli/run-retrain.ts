/**
 * The actions of `outpost retrain` and `outpost retrain list` (docs/MONITORING.md "Retraining"):
 * open fleet.db (the fleet store, the retraining runs, the campaigns for `--canary`), run one
 * champion-vs-challenger comparison, and print both scores, the margin and the decision.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { keyId, systemClock } from '@outpost/protocol';
import { createLogger, loadOrCreateKeyPair, usageError, type CommandContext } from '@outpost/protocol/node';
import { createCampaign } from '../campaign/campaigns.ts';
import { openSqliteCampaignStore } from '../campaign/sqlite-campaign-store.ts';
import { parseWaves } from '../campaign/waves.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { openSqliteGroupStore } from '../groups/sqlite-group-store.ts';
import type { RetrainRun } from '../retrain/retrain-run.ts';
import { runRetrain } from '../retrain/retrain.ts';
import { openSqliteRetrainStore } from '../retrain/sqlite-retrain-store.ts';
import { openSqliteStore } from '../store/sqlite-store.ts';
import type { RetrainListOptions, RetrainOptions } from './retrain-commands.ts';
import { defaultPublicKeyPath, readPublicKey } from './run-fleet.ts';
import { formatTable } from './table.ts';

const score = (v: number | undefined): string =>
  v === undefined ? '-' : Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(4);
const pct = (v: number | undefined): string => (v === undefined ? '-' : `${+(v * 100).toFixed(2)}%`);

/** The run as text: what was compared on which window, both scores, the margin and the decision. */
export function formatRun(r: RetrainRun): string {
  const lines = [`run         ${r.id} (${r.trigger.kind})`, `champion    ${r.model} v${r.championVersion}`];
  if (r.rows)
    lines.push(
      `data        ${r.rows.original} original + ${r.rows.fresh} fresh rows trained on; ${r.rows.holdout} held out${r.holdout ? ` (${r.holdout.from} … ${r.holdout.to})` : ''}`,
    );
  if (r.champion && r.challenger) {
    lines.push(`${r.metric} champion   ${score(r.champion.value)}`);
    lines.push(`${r.metric} challenger ${score(r.challenger.value)}`);
    lines.push(`improvement ${pct(r.improvement)} of the champion's loss (margin ${pct(r.margin)})`);
  }
  const decision =
    r.outcome === 'promoted'
      ? `promoted: registered ${r.model} v${r.registeredVersion} (parent v${r.championVersion})${r.campaignId ? `, canary campaign ${r.campaignId}` : ''}`
      : r.outcome === 'rejected'
        ? 'rejected: the challenger did not win by the margin; the registry is unchanged'
        : `${r.outcome}${r.error ? `: ${r.error.code} ${r.error.message}` : ''}`;
  lines.push(`decision    ${decision}`);
  return lines.join('\n');
}

/** `outpost retrain <model> --fresh <file> --keys <dir>`. */
export async function runRetrainCommand(model: string, opts: RetrainOptions, ctx: CommandContext): Promise<void> {
  if (opts.fresh === undefined) throw usageError('--fresh', 'give the fresh labelled rows (CSV or JSONL)');
  if (opts.keys === undefined) throw usageError('--keys', 'give the folder of the signing key pair');
  const keysDir = resolve(opts.keys);
  if (!existsSync(join(keysDir, 'signing.key')))
    throw usageError('--keys', `${keysDir} holds no signing.key: retraining signs where the release key lives`);
  const dataDir = resolve(opts.dataDir);
  const publicKeyPem = readPublicKey(resolve(opts.publicKey ?? defaultPublicKeyPath(dataDir)));
  const keys = loadOrCreateKeyPair(keysDir);
  if (keyId(keys.publicKeyPem) !== keyId(publicKeyPem))
    throw usageError(
      '--keys',
      `the key in ${keysDir} is not the one the fleet pins; the fleet would refuse the challenger`,
    );
  // Bad waves are a usage error before any training.
  if (opts.canary !== undefined) parseWaves(opts.canary);
  const waves = opts.canary;
  const file = join(dataDir, FLEET_DB_FILE);
  const store = openSqliteStore(file);
  const runs = openSqliteRetrainStore(file);
  const groups = openSqliteGroupStore(file);
  const campaigns = openSqliteCampaignStore(file);
  try {
    const run = await runRetrain(
      {
        store,
        runs,
        dataDir,
        publicKeyPem,
        clock: systemClock,
        logger: createLogger({ level: 'warn', name: 'retrain' }),
        startCampaign: (m, version, w) =>
          createCampaign(
            { store, groups, campaigns, clock: systemClock },
            { model: m, version, target: { kind: 'fleet' }, steps: parseWaves(w) },
            { reason: 'retrained challenger' },
          ).id,
      },
      {
        model,
        specFile: resolve(opts.spec ?? join('firmware-models', model, 'problem.yaml')),
        freshFile: resolve(opts.fresh),
        keys,
        trigger: { kind: 'manual', actor: process.env.USER ?? 'operator' },
        ...(opts.timeColumn !== undefined ? { timeColumn: opts.timeColumn } : {}),
        ...(opts.holdoutSince !== undefined ? { holdoutSince: Date.parse(opts.holdoutSince) } : {}),
        ...(opts.holdout !== undefined ? { holdoutFraction: opts.holdout } : {}),
        ...(waves !== undefined ? { canary: waves } : {}),
        ...(opts.quick ? { quick: true } : {}),
      },
    );
    ctx.io.out(opts.json ? JSON.stringify(run, null, 2) : formatRun(run));
  } finally {
    campaigns.close();
    groups.close();
    runs.close();
    store.close();
  }
}

/** `outpost retrain list [--model]`. */
export async function runRetrainList(opts: RetrainListOptions, ctx: CommandContext): Promise<void> {
  const runs = openSqliteRetrainStore(join(resolve(opts.dataDir), FLEET_DB_FILE));
  try {
    const list = runs.list(opts.model !== undefined ? { model: opts.model } : {});
    if (opts.json) {
      ctx.io.out(JSON.stringify(list, null, 2));
      return;
    }
    ctx.io.out(
      formatTable(
        [
          'run',
          'model',
          'champion',
          'trigger',
          'started',
          'metric',
          'champion score',
          'challenger score',
          'margin',
          'decision',
        ],
        list.map((r) => [
          r.id,
          r.model,
          `v${r.championVersion}`,
          r.trigger.kind,
          r.startedAt,
          r.metric ?? '-',
          score(r.champion?.value),
          score(r.challenger?.value),
          pct(r.margin),
          r.outcome === 'promoted' ? `promoted v${r.registeredVersion}` : r.outcome,
        ]),
      ),
    );
  } finally {
    runs.close();
  }
}
