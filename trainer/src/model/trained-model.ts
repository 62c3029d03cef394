/**
 * What a training run hands to the artifact builder: the fitted preprocessing, the chosen model and
 * everything the manifest needs. The run (run/) produces it; the exporters (onnx/, tflite/) and
 * artifact/build.ts consume it, without depending on the run.
 */
import type { InputSpec, MetricSummary } from '@outpost/protocol';
import type { FittedModel, Task } from '../models/learner.ts';
import type { SpecPipeline } from '../preprocess/spec-pipeline.ts';

/** A raw record as a device sends it: feature name → number, category string or null. */
export type RawRecord = Record<string, number | string | null>;

export interface TrainedModel {
  /** The spec's model name (artifact name). */
  name: string;
  task: Task;
  /**
   * Binary only: the decision threshold tuned on the validation rows (run/threshold.ts) — the ONNX
   * `label` is 1 exactly when P(class 1) ≥ threshold. Absent: 0.5.
   */
  threshold?: number;
  /** Class labels in index order (classification only); the ONNX `label` output indexes these. */
  classes?: string[];
  /** Raw input schema for the manifest, in graph-input order. */
  inputs: InputSpec[];
  pipeline: SpecPipeline;
  /**
   * The chosen model. `model.kind` names its learner family in the learner registry
   * (learners/registry.ts); `model.toJSON()` is its saved form (model/saved.ts), which the
   * family's ONNX head and .tflite layers read.
   */
  model: FittedModel;
  /** Learner hyperparameters of the chosen model, for the manifest. */
  params: Record<string, unknown>;
  seed: number;
  /** Metrics for the manifest: CV, validation (and later test), by name. */
  metrics: Record<string, MetricSummary>;
  /** Training records (raw, after row-level cleaning): reference profile and golden examples. */
  trainRecords: RawRecord[];
  /** sha256 fingerprint of the training data (content and row selection). */
  dataFingerprint: string;
  dataSource: string;
  /** Relative metric tolerance for a quantized artifact (spec `quantization.tolerance`, default 0.01). */
  quantizationTolerance: number;
  /** The validation rows (raw) and targets, for quantized-vs-float checks and parity tests. */
  validation: { records: RawRecord[]; y: Float64Array };
}
