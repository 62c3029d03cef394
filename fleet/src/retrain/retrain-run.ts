/**
 * One retraining run (docs/MONITORING.md "Retraining"): which model and champion, what data, why it
 * started, and how it ended — both scores on the holdout window, the margin asked, the decision,
 * and the version registered and campaign started when the challenger won.
 */

/** What started a run: an operator (CLI or API), or the automatic trigger (an alert, or N new labels). */
export type RetrainTrigger =
  | { kind: 'manual'; actor: string }
  | { kind: 'alert'; alertId: string; metric: string }
  | { kind: 'labels'; count: number };

/**
 * `running` until it ends; `promoted` (the challenger won and was registered), `rejected` (it did
 * not win by the margin: the registry is unchanged) or `failed` (`error` says why).
 */
export type RetrainOutcome = 'running' | 'promoted' | 'rejected' | 'failed';

/** A model's score on the holdout window, with the loss the margin compares (the metric for rmse/mae, else 1 − metric). */
export interface RetrainScore {
  value: number;
  loss: number;
}

export interface RetrainRun {
  /** `rt-<model>-<started ms>-<n>`: unique, sortable per model. */
  id: string;
  model: string;
  /** The version the challenger has to beat (and its lineage parent). */
  championVersion: number;
  /** The spec the challenger was trained on (absolute path). */
  spec: string;
  /** The fresh labelled data file (absolute path). */
  freshFile: string;
  trigger: RetrainTrigger;
  startedAt: string;
  finishedAt?: string;
  outcome: RetrainOutcome;
  metric?: string;
  /** Rows: original training data, fresh rows trained on, fresh rows held out. */
  rows?: { original: number; fresh: number; holdout: number };
  /** The holdout window: its first and last time (ISO). */
  holdout?: { from: string; to: string };
  champion?: RetrainScore;
  challenger?: RetrainScore;
  /** Relative loss reduction asked for (the spec's `retrain.margin`). */
  margin?: number;
  /** Relative loss reduction achieved: (champion − challenger) / champion. */
  improvement?: number;
  /** The challenger's version once registered (promoted runs only). */
  registeredVersion?: number;
  artifactId?: string;
  /** The canary campaign started for the registered version, when one was asked for. */
  campaignId?: string;
  /** Why the canary campaign asked for did not start (the challenger stays registered). */
  campaignError?: { code: string; message: string };
  /** Why a run failed: the error's code (`unexpected` for an error without one) and message. */
  error?: { code: string; message: string };
}

export function isFinished(run: Pick<RetrainRun, 'outcome'>): boolean {
  return run.outcome !== 'running';
}
