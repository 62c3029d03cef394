import { DEFAULT_DRIFT_THRESHOLDS } from '../drift/drift-report.ts';

/**
 * A rollout campaign (docs/ARCHITECTURE.md "Campaigns"): one model version rolled out to a target
 * in waves, each wave held to gates over a soak time, with an action when a gate fails. The whole
 * record is stored (campaign-store.ts), so a restarted fleet continues where it was.
 */

/** Who a campaign is for. */
export type CampaignTarget =
  | { kind: 'fleet' }
  | { kind: 'site'; gateway: string }
  | { kind: 'group'; group: string }
  | { kind: 'devices'; devices: string[] };

/**
 * One step of `--waves`, cumulative: after the wave, this share (`percent`), this many devices
 * (`count`) or every device (`all`) of the campaign has been asked to update.
 */
export type WaveStep = { percent: number } | { count: number } | { all: true };

/** The gates every wave is held to (docs/OPERATIONS.md "Campaigns"). Absent gates are not checked. */
export interface Gates {
  /** Share of the wave's devices that must converge (0–1). Default 0.95. */
  installSuccessMin: number;
  /** Most devices of the wave allowed to fail their smoke test. Default 0. */
  smokeFailuresMax: number;
  /**
   * Highest error rate of the new version on the wave's devices during the soak: the share of the
   * rows asked for that failed, errors / (rows served + errors).
   */
  errorRateMax?: number;
  /** Highest p95 latency of the new version as a multiple of the previous version's. */
  p95RatioMax?: number;
  /**
   * Highest PSI of the new version's prediction distribution on the wave's devices against the
   * manifest's reference prediction distribution.
   */
  predictionPsiMax?: number;
  /**
   * Fewest prediction rows the PSI gate judges (default `DEFAULT_PREDICTION_MIN_ROWS`): with fewer,
   * the soak is extended until they arrive, for at most `installTimeoutMs` past the soak.
   */
  predictionMinRows?: number;
  /** How long a wave soaks once its devices are installed, before its gates are judged (ms). Default 60 s. */
  soakMs: number;
  /** How long a wave's devices get to install before the install gate is judged anyway (ms). Default 10 min. */
  installTimeoutMs: number;
}

/**
 * Rows before a prediction PSI means anything: the drift report's small-window guard
 * (docs/ARCHITECTURE.md "Drift"; with 10 bins the PSI of two samples of one distribution averages
 * about 9/n, so a few hundred rows are needed).
 */
export const DEFAULT_PREDICTION_MIN_ROWS = DEFAULT_DRIFT_THRESHOLDS.minRows;

export const DEFAULT_GATES: Gates = {
  installSuccessMin: 0.95,
  smokeFailuresMax: 0,
  soakMs: 60_000,
  installTimeoutMs: 600_000,
};

export type OnFail = 'pause' | 'rollback';

/**
 * pending → running (a wave is installing) → soaking → running (next wave) … → done; a failed gate
 * → paused, or rolling-back → rolled-back; an operator's pause → paused (resume goes back), abort → aborted.
 */
export type CampaignState =
  'pending' | 'running' | 'soaking' | 'paused' | 'rolling-back' | 'done' | 'aborted' | 'rolled-back';

/** States a campaign never leaves. */
export const FINAL_STATES: readonly CampaignState[] = ['done', 'aborted', 'rolled-back'];
/** States the engine acts on. */
export const ACTIVE_STATES: readonly CampaignState[] = ['pending', 'running', 'soaking', 'rolling-back'];

export type WaveState = 'pending' | 'running' | 'soaking' | 'passed' | 'failed' | 'rolled-back';

/** What a device was assigned before its wave (what a rollback returns it to); null: nothing of its own. */
export interface PreviousAssignment {
  name: string;
  version: number;
  /** A per-device override (true) or the site-wide assignment (false). */
  override: boolean;
}

export interface GateResult {
  gate: 'install-success' | 'smoke-failures' | 'error-rate' | 'p95-latency' | 'prediction-psi';
  passed: boolean;
  /** Not judged yet: too few rows so far (the soak goes on; docs/ARCHITECTURE.md "Campaigns"). */
  waiting?: boolean;
  /** The measured value (a share, a count, a rate or a ratio); null without data. */
  value: number | null;
  limit: number;
  note?: string;
}

export interface WaveDevice {
  device: string;
  gateway: string;
  previous: PreviousAssignment | null;
}

export interface Wave {
  index: number;
  devices: WaveDevice[];
  state: WaveState;
  startedAt?: string;
  soakStartedAt?: string;
  endedAt?: string;
  gates?: GateResult[];
}

export interface SkippedDevice {
  device: string;
  /** pinned (by a group), at-version (already assigned this version or a newer one), no-gateway. */
  reason: 'pinned' | 'at-version' | 'no-gateway';
  detail?: string;
}

export interface Campaign {
  id: string;
  model: string;
  version: number;
  artifactId: string;
  target: CampaignTarget;
  /** The steps asked for (`--waves`), and the canary list that makes the first wave. */
  steps: WaveStep[];
  canary?: string[];
  gates: Gates;
  onFail: OnFail;
  /** Orders devices into waves (a stable hash of seed and device id). */
  seed: string;
  state: CampaignState;
  /** The wave the campaign is at (index into `waves`). */
  current: number;
  waves: Wave[];
  skipped: SkippedDevice[];
  /** The state a paused campaign resumes to. */
  resumeTo?: 'pending' | 'running' | 'soaking';
  /** Why it is paused, aborted or rolled back. */
  reason?: string;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  /** Goes up by one at every stored change (compare-and-set between the engine and operators). */
  rev: number;
}

export const isFinal = (s: CampaignState): boolean => FINAL_STATES.includes(s);
export const isActive = (s: CampaignState): boolean => ACTIVE_STATES.includes(s);
