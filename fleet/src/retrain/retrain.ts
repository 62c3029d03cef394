/**
 * One retraining run, champion vs challenger (docs/MONITORING.md "Retraining"): read the fresh
 * labelled rows, hold out the newest window, train and sign the challenger on the spec's original
 * data plus the older fresh rows, score the champion's registered bytes and the challenger's built
 * bytes on the window in onnxruntime, and register the challenger (parent: the champion) only when
 * it wins by the spec's `retrain.margin`; then, if asked, start a canary campaign. The run is
 * recorded when it starts and when it ends, and audited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutpostError, errorMessage, type Clock, type Logger, type SigningKeyPair } from '@outpost/protocol';
import { loadSpec } from '@outpost/trainer';
import { artifactDir, registerArtifact } from '../registry.ts';
import type { ArtifactRecord, FleetStore } from '../store/fleet-store.ts';
import { trainChallenger as defaultTrain, originalTrainingRows, type TrainChallenger } from './challenger.ts';
import { RetrainErrorCodes, retrainError } from './errors.ts';
import { readFreshData, splitHoldout } from './fresh-data.ts';
import { DEFAULT_RETRAIN_MARGIN, challengerWins, improvementOf } from './margin.ts';
import type { RetrainRun, RetrainTrigger } from './retrain-run.ts';
import type { RetrainRunStore } from './retrain-store.ts';
import { encodeRows, scoreArtifact, type TargetEncoding } from './score-artifact.ts';

export const RETRAIN_ACTOR = 'retrain';

export interface RetrainDeps {
  store: FleetStore;
  runs: RetrainRunStore;
  dataDir: string;
  publicKeyPem: string;
  clock: Clock;
  logger: Logger;
  /** Default: the trainer's run and build (challenger.ts). */
  train?: TrainChallenger;
  /** Starts a canary campaign of the registered version; returns its id (the caller wires the campaign engine). */
  startCampaign?: (model: string, version: number, waves: string) => string;
  /** Models with a run under way in this process (one at a time per model). */
  busy?: Set<string>;
}

export interface RetrainRequest {
  model: string;
  /** The model's problem.yaml. */
  specFile: string;
  /** The fresh labelled rows (CSV or JSONL in the spec's schema, plus `timeColumn`). */
  freshFile: string;
  /** The signing key pair (where the release key lives); its public key must be the one the fleet pins. */
  keys: SigningKeyPair;
  trigger: RetrainTrigger;
  /** Column of the fresh file holding each row's time (default `time`, or the spec's time-split column). */
  timeColumn?: string;
  /** Hold out the rows at or after this time (ms)… */
  holdoutSince?: number;
  /** …else this share of the newest rows (default 0.2). */
  holdoutFraction?: number;
  /** Canary waves (`1,10,100%`) to start once the challenger is registered. */
  canary?: string;
  /** Train with the spec's quick profile. */
  quick?: boolean;
  /** Called with the run as first recorded (before training), e.g. to answer an API request at once. */
  onStarted?: (run: RetrainRun) => void;
}

const processBusy = new Set<string>();
let counter = 0;

/** The newest registered, not withdrawn version of `model`. */
export function championOf(store: FleetStore, model: string): ArtifactRecord {
  const live = store.listArtifacts(model).filter((a) => a.withdrawnAt === undefined);
  const best = live.sort((a, b) => b.version - a.version)[0];
  if (!best)
    throw retrainError(RetrainErrorCodes.RETRAIN_NO_CHAMPION, `${model} has no registered version to retrain`, {
      model,
    });
  return best;
}

function targetEncoding(spec: ReturnType<typeof loadSpec>['spec'], labels: readonly string[]): TargetEncoding {
  const column = spec.target.column;
  if (spec.task === 'regression') return { task: 'regression', column };
  if (spec.task !== 'binary')
    throw retrainError(
      RetrainErrorCodes.RETRAIN_SPEC_MISMATCH,
      `retraining scores regression and binary models, not ${spec.task}`,
      {
        task: spec.task,
      },
    );
  const distinct = [...new Set(labels.map((l) => l.trim()).filter((l) => l !== ''))].sort((a, b) =>
    Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : a.localeCompare(b),
  );
  const pos =
    spec.target.positive === undefined ? (distinct[distinct.length - 1] as string) : String(spec.target.positive);
  return { task: 'binary', column, classes: [distinct.find((c) => c !== pos) ?? '', pos] };
}

export async function runRetrain(deps: RetrainDeps, req: RetrainRequest): Promise<RetrainRun> {
  const busy = deps.busy ?? processBusy;
  if (busy.has(req.model))
    throw retrainError(RetrainErrorCodes.RETRAIN_BUSY, `a retraining run of ${req.model} is under way`, {
      model: req.model,
    });
  busy.add(req.model);
  const log = deps.logger.child({ component: 'retrain', model: req.model });
  const started = deps.clock.now();
  const champion = (() => {
    try {
      return championOf(deps.store, req.model);
    } catch (err) {
      busy.delete(req.model);
      throw err;
    }
  })();
  let run: RetrainRun = {
    id: `rt-${req.model}-${started}-${++counter}`,
    model: req.model,
    championVersion: champion.version,
    spec: req.specFile,
    freshFile: req.freshFile,
    trigger: req.trigger,
    startedAt: new Date(started).toISOString(),
    outcome: 'running',
  };
  deps.runs.put(run);
  req.onStarted?.(run);
  log.info({ run: run.id, champion: champion.version, trigger: req.trigger.kind }, 'retraining started');
  const workDir = mkdtempSync(join(tmpdir(), 'outpost-retrain-'));
  try {
    run = await compare(deps, req, run, champion, workDir, log);
  } catch (err) {
    const code = err instanceof OutpostError ? err.code : 'unexpected';
    run = {
      ...run,
      outcome: 'failed',
      finishedAt: new Date(deps.clock.now()).toISOString(),
      error: { code, message: errorMessage(err) },
    };
    log.error({ run: run.id, code, err: errorMessage(err) }, 'retraining failed');
    throw err;
  } finally {
    deps.runs.put(run);
    deps.store.addAudit({
      at: run.finishedAt ?? new Date(deps.clock.now()).toISOString(),
      actor: req.trigger.kind === 'manual' ? req.trigger.actor : RETRAIN_ACTOR,
      action: 'retrain',
      model: req.model,
      ...(run.registeredVersion !== undefined ? { version: run.registeredVersion } : {}),
      target: 'fleet',
      reason: run.outcome,
      details: {
        run: run.id,
        champion: run.championVersion,
        champion_score: run.champion?.value,
        challenger_score: run.challenger?.value,
        margin: run.margin,
        ...(run.campaignId ? { campaign: run.campaignId } : {}),
      },
    });
    rmSync(workDir, { recursive: true, force: true });
    busy.delete(req.model);
  }
  return run;
}

/**
 * Starts the canary campaign of the registered challenger. A campaign that cannot start (no device
 * to update, another campaign of the model running) leaves the run promoted, with `campaignError`.
 */
function canary(deps: RetrainDeps, waves: string, run: RetrainRun, version: number, log: Logger): RetrainRun {
  try {
    if (!deps.startCampaign) throw new Error('no campaign engine was given to start the canary');
    return { ...run, campaignId: deps.startCampaign(run.model, version, waves) };
  } catch (err) {
    const code = err instanceof OutpostError ? err.code : 'unexpected';
    log.warn({ run: run.id, code, err: errorMessage(err) }, 'the canary campaign did not start');
    return { ...run, campaignError: { code, message: errorMessage(err) } };
  }
}

async function compare(
  deps: RetrainDeps,
  req: RetrainRequest,
  run: RetrainRun,
  champion: ArtifactRecord,
  workDir: string,
  log: Logger,
): Promise<RetrainRun> {
  const loaded = loadSpec(req.specFile);
  const { spec } = loaded;
  if (spec.name !== req.model)
    throw retrainError(
      RetrainErrorCodes.RETRAIN_SPEC_MISMATCH,
      `${req.specFile} describes ${spec.name}, not ${req.model}`,
      {
        spec: spec.name,
        model: req.model,
      },
    );
  const timeColumn = req.timeColumn ?? (spec.split.method === 'time' && spec.split.column ? spec.split.column : 'time');
  const required = [spec.target.column, ...champion.manifest.inputs.map((i) => i.name)];
  const fresh = readFreshData(req.freshFile, { timeColumn, required });
  const split = splitHoldout(fresh, {
    ...(req.holdoutSince !== undefined ? { since: req.holdoutSince } : {}),
    ...(req.holdoutFraction !== undefined ? { fraction: req.holdoutFraction } : {}),
  });
  const original = originalTrainingRows(loaded);
  const targetIndex = original.header.indexOf(spec.target.column);
  const encoding = targetEncoding(spec, [
    ...original.rows.map((r) => r[targetIndex] ?? ''),
    ...fresh.rows.map((r) => r.cells[spec.target.column] ?? ''),
  ]);
  const holdout = encodeRows(
    split.holdout.map((r) => r.cells),
    encoding,
  );
  const margin = spec.retrain?.margin ?? DEFAULT_RETRAIN_MARGIN;
  const version = Math.max(...deps.store.listArtifacts(req.model).map((a) => a.version)) + 1;
  const challenger = await (deps.train ?? defaultTrain)({
    loaded,
    fresh: split.train,
    keys: req.keys,
    champion: { version: champion.version, dir: artifactDir(deps.dataDir, champion.artifactId) },
    version,
    workDir,
    now: deps.clock.now(),
    ...(req.quick ? { quick: true } : {}),
    onProgress: (message) => log.debug({ run: run.id }, message),
  });
  const championScore = await scoreArtifact(artifactDir(deps.dataDir, champion.artifactId), spec.metric, holdout);
  const challengerScore = await scoreArtifact(challenger.artifactDir, spec.metric, holdout);
  const wins = challengerWins(championScore, challengerScore, margin);
  let next: RetrainRun = {
    ...run,
    metric: spec.metric,
    rows: { original: challenger.rows.original, fresh: challenger.rows.fresh, holdout: split.holdout.length },
    holdout: { from: new Date(split.from).toISOString(), to: new Date(split.to).toISOString() },
    champion: championScore,
    challenger: challengerScore,
    margin,
    improvement: improvementOf(championScore, challengerScore),
    outcome: wins ? 'promoted' : 'rejected',
  };
  if (wins) {
    const registered = registerArtifact(
      { store: deps.store, dataDir: deps.dataDir, publicKeyPem: deps.publicKeyPem, clock: deps.clock },
      challenger.artifactDir,
    );
    next = { ...next, registeredVersion: registered.version, artifactId: registered.artifactId };
    if (req.canary !== undefined) next = canary(deps, req.canary, next, registered.version, log);
  }
  log.info(
    { run: run.id, champion: championScore.value, challenger: challengerScore.value, margin, outcome: next.outcome },
    'retraining finished',
  );
  return { ...next, finishedAt: new Date(deps.clock.now()).toISOString() };
}
