/**
 * What the trainer knows about one learner family, in one place: how a spec's candidate fits it,
 * how a saved model revives, its ONNX head, its .tflite layers when it has them, and the traits
 * the rest of the trainer asks about. Every family has a folder under learners/ exporting its
 * descriptor(s); learners/registry.ts lists them — the only list of learners there is.
 */
import type { ModelKind, SavedModel, SavedOf } from '../model/saved.ts';
import type { FittedModel, Learner, Task } from '../models/learner.ts';
import type { TreeEnsemble } from '../models/tree.ts';
import type { HeadContext } from '../onnx/heads/common.ts';
import type { TfliteDense } from '../tflite/writer.ts';

export type Params = Record<string, unknown>;
/** Parameter name → the values to try. */
export type Grid = Record<string, readonly unknown[]>;

/** A default candidate: its CV parameters and tuning grid, and their `--quick` overrides. */
export interface CandidateDefaults {
  params: Params;
  grid: Grid;
  quickParams?: Params;
  quickGrid?: Grid;
}

/** How an ensemble descriptor reaches its members' descriptors (passed in: no import cycle). */
export interface Members {
  revive(saved: SavedModel, task: Task): FittedModel;
  head(h: HeadContext, design: string, saved: SavedModel): string;
  supportsInt8(saved: SavedModel): boolean;
  treeEnsembles(saved: SavedModel): TreeEnsemble[];
}

export interface LearnerDescriptor<K extends ModelKind = ModelKind> {
  /** The saved form's kind; for a fitted learner also its name in a spec's `candidates`. */
  readonly kind: K;
  /** How a sentence for people names the family ('MLP', 'forest', …). */
  readonly label: string;
  /**
   * The learner a spec may name (already wrapped in `standardized` when `needsStandardize`).
   * Absent for the ensembles, which a run builds from its tuned candidates.
   */
  readonly learner?: Learner<Params>;
  /** Fitted in the calling thread, never on the CV worker pool: a fit costs less than a message to a worker. */
  readonly fitsInThread?: boolean;
  /** The tasks this family is the run's baseline for. */
  readonly baselineFor?: readonly Task[];
  /** Part of the default candidate list (in registry order), with these parameters and grid. */
  readonly candidate?: CandidateDefaults;
  /** Fitted on standardised inputs, μ / σ kept beside the weights (learners/standardize.ts). */
  readonly needsStandardize?: boolean;
  /** The model from its saved form (a run folder's model.json, an ensemble member). */
  revive(saved: SavedOf<K>, task: Task, members: Members): FittedModel;
  /** Its ONNX head on the [N, width] design tensor (onnx/heads/common.ts). */
  onnxHead(h: HeadContext, design: string, saved: SavedOf<K>, members: Members): string;
  /** Dense weights the int8 ladder may store as int8 (artifact/int8-ladder.ts). */
  supportsInt8(saved: SavedOf<K>, members: Members): boolean;
  /** The tree ensembles inside the model (exact compaction figures); [] for others. */
  treeEnsembles(saved: SavedOf<K>, members: Members): TreeEnsemble[];
  /** Its .tflite FULLY_CONNECTED layers (tflite/export-tflite.ts); absent: no .tflite form. */
  tfliteLayers?(saved: SavedOf<K>, task: Task): TfliteDense[];
  /** The saved form with its input standardisation folded into the first layer (for comparisons). */
  fold?(saved: SavedOf<K>): SavedOf<K>;
}
