/**
 * Retraining inside a running fleet (docs/MONITORING.md "Retraining"): the settings of
 * `<data-dir>/retrain.json`, the runs in fleet.db, runs started by the operator API or by the
 * automatic trigger (alerts through the fleet's `onAlert` hook, new labels counted every
 * `labelPollMs`), and a canary campaign through the fleet's campaign engine when configured.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Logger } from '@outpost/protocol';
import { loadOrCreateKeyPair } from '@outpost/protocol/node';
import { parseWaves } from '../campaign/waves.ts';
import type { Fleet } from '../fleet-types.ts';
import type { Alert, MonitorStore } from '../monitor/monitor-store.ts';
import type { TrainChallenger } from './challenger.ts';
import { RetrainErrorCodes, retrainError } from './errors.ts';
import type { RetrainRun, RetrainTrigger } from './retrain-run.ts';
import type { RetrainRunStore } from './retrain-store.ts';
import { freshFileOf, loadRetrainSettings, type RetrainSettings } from './settings.ts';
import { openSqliteRetrainStore } from './sqlite-retrain-store.ts';
import { openSqliteMonitorStore } from '../monitor/sqlite-monitor-store.ts';
import { FLEET_DB_FILE } from '../fleet.ts';
import { createRetrainTrigger, type AutoRetrainTrigger } from './trigger.ts';

export interface FleetRetrainOptions {
  dataDir: string;
  publicKeyPem: string;
  clock: Clock;
  logger: Logger;
  settings: RetrainSettings;
  runs: RetrainRunStore;
  /** Default: the trainer (challenger.ts). */
  train?: TrainChallenger;
  /** Where new labels are counted for `auto.afterLabels` (the fleet's monitor store). */
  labels?: Pick<MonitorStore, 'joinedLabels'>;
}

export interface StartOptions {
  holdoutSince?: number;
  canary?: string;
}

export interface FleetRetrain {
  runs: RetrainRunStore;
  settings: RetrainSettings;
  trigger: AutoRetrainTrigger;
  /** Binds the running fleet (its store and campaigns); starts the label poll when configured. */
  attach(fleet: Pick<Fleet, 'store' | 'campaigns'>): void;
  /** Starts a run; resolves with its first record as soon as it is stored, and `done` when it ends. */
  start(
    model: string,
    trigger: RetrainTrigger,
    o?: StartOptions,
  ): Promise<{ run: RetrainRun; done: Promise<RetrainRun> }>;
  /** The fleet's `onAlert` hook. */
  onAlert(alert: Alert): void;
  close(): void;
}

export function createFleetRetrain(o: FleetRetrainOptions): FleetRetrain {
  let fleet: Pick<Fleet, 'store' | 'campaigns'> | undefined;
  const busy = new Set<string>();
  const log = o.logger.child({ component: 'retrain' });
  let poll: unknown;
  let lastPoll = new Date(o.clock.now()).toISOString();

  const start: FleetRetrain['start'] = async (model, trigger, opts = {}) => {
    if (!fleet) throw new Error('retraining is not attached to a fleet yet');
    const f = fleet;
    const freshFile = freshFileOf(o.settings, model);
    if (freshFile === undefined)
      throw retrainError(
        RetrainErrorCodes.RETRAIN_FRESH_INVALID,
        `no fresh data for ${model}: put ${model}.csv or ${model}.jsonl in ${o.settings.freshDir}`,
        { model, dir: o.settings.freshDir },
      );
    if (!existsSync(join(o.settings.keysDir, 'signing.key')))
      throw retrainError(
        RetrainErrorCodes.RETRAIN_SETTINGS_INVALID,
        `${o.settings.keysDir} holds no signing.key: retraining signs where the release key lives`,
        { keys: o.settings.keysDir },
      );
    const canary = opts.canary ?? o.settings.canary;
    let first: RetrainRun | undefined;
    // The trainer loads with the first run, not with the fleet.
    const { runRetrain } = await import('./retrain.ts');
    const done = runRetrain(
      {
        store: f.store,
        runs: o.runs,
        dataDir: o.dataDir,
        publicKeyPem: o.publicKeyPem,
        clock: o.clock,
        logger: o.logger,
        busy,
        ...(o.train ? { train: o.train } : {}),
        startCampaign: (m, version, waves) =>
          f.campaigns.create(
            { model: m, version, target: { kind: 'fleet' }, steps: parseWaves(waves) },
            { actor: 'retrain', reason: 'retrained challenger' },
          ).id,
      },
      {
        model,
        specFile: join(o.settings.specsDir, model, 'problem.yaml'),
        freshFile,
        keys: loadOrCreateKeyPair(o.settings.keysDir),
        trigger,
        ...(opts.holdoutSince !== undefined ? { holdoutSince: opts.holdoutSince } : {}),
        ...(canary !== undefined ? { canary } : {}),
        ...(o.settings.quick ? { quick: true } : {}),
        onStarted: (r) => (first = r),
      },
    );
    if (first === undefined) {
      await done; // it failed before it was recorded: this rethrows its error
      throw new Error('unreachable');
    }
    done.catch((err: unknown) => log.warn({ model, err: String(err) }, 'retraining failed'));
    return { run: first, done };
  };

  const trigger = createRetrainTrigger({
    clock: o.clock,
    logger: o.logger,
    settings: o.settings.auto,
    ready: (model) => freshFileOf(o.settings, model) !== undefined,
    start: async (model, t) => (await start(model, t)).done,
  });

  return {
    runs: o.runs,
    settings: o.settings,
    trigger,
    attach(f) {
      fleet = f;
      const labels = o.labels;
      if (o.settings.auto.afterLabels === null || !labels) return;
      poll = o.clock.setInterval(() => {
        const since = lastPoll;
        lastPoll = new Date(o.clock.now()).toISOString();
        for (const model of new Set(f.store.listArtifacts().map((a) => a.name))) {
          const fresh = labels
            .joinedLabels({ model })
            .filter((l) => l.labelledAt !== undefined && l.labelledAt >= since && l.labelledAt < lastPoll).length;
          trigger.onLabels(model, fresh);
        }
      }, o.settings.auto.labelPollMs);
    },
    start,
    onAlert: (alert) => trigger.onAlert(alert),
    close() {
      trigger.close();
      if (poll !== undefined) o.clock.clearInterval(poll);
    },
  };
}

/**
 * The retraining of the fleet whose data folder is `dataDir`: `<data-dir>/retrain.json`, and the
 * runs and labels in its fleet.db (connections of their own, closed by `close`).
 */
export function openFleetRetrain(o: Omit<FleetRetrainOptions, 'settings' | 'runs' | 'labels'>): FleetRetrain {
  const file = join(o.dataDir, FLEET_DB_FILE);
  const settings = loadRetrainSettings(o.dataDir);
  const runs = openSqliteRetrainStore(file);
  const labels = settings.auto.afterLabels === null ? undefined : openSqliteMonitorStore(file);
  const retrain = createFleetRetrain({ ...o, settings, runs, ...(labels ? { labels } : {}) });
  return {
    ...retrain,
    close() {
      retrain.close();
      labels?.close();
      runs.close();
    },
  };
}
