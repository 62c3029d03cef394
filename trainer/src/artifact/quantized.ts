/**
 * The model files of an artifact, float vs int8, judged in the device runtime (ort-runner.ts).
 *
 * Dense models (the registry's `supportsInt8`: linear, logistic, MLP, ensembles of those) are also
 * exported with int8 QDQ weights, trying the storages of INT8_LADDER (int8-ladder.ts) from the
 * smallest file to the most accurate; each is
 * run on the validation rows and `quantizeDecision` judges it with the spec tolerance — on every
 * output's largest relative change and on the metric — and only if int8 saves 20% of the file:
 * the first that passes ships. When int8 ships,
 * `model.onnx` is int8 and `model-float.onnx` the float model beside it; otherwise only the float
 * `model.onnx` ships and the card says why (size-card.ts). Trees ship float, compacted exactly
 * (compact-trees.ts). Golden outputs are the trainer's in-process model's, checked against the
 * exported bytes before signing (goldens.ts).
 *
 * Latency is NOT in the signed bytes (manifest or card): `outpost build` must give the same bytes
 * on a rebuild and a measured time never repeats (latency.ts). Sizes and validation metrics are
 * deterministic and go in the manifest; latencies go in the unsigned build report
 * (`QuantizationReport`), which `outpost build` can print. `measureLatency` is injectable (false
 * skips it, e.g. in tests).
 */
import type { MetricSummary } from '@outpost/protocol';
import { supportsInt8, treeEnsembles } from '../learners/registry.ts';
import type { TrainedModel } from '../model/trained-model.ts';
import type { Int8Storage } from '../onnx/dense.ts';
import { exportModelOnnx } from '../onnx/export-model.ts';
import { compactEnsemble } from '../onnx/compact-trees.ts';
import { goldenInputRecords } from './golden-records.ts';
import {
  climbInt8Ladder,
  specMetricOf,
  summary,
  validationMetric,
  validationOutputs,
  type VariantFigures,
} from './int8-ladder.ts';
import { measureOrtWebLatency, type LatencyMeasure } from './latency.ts';
import { quantizationSection, treeSizeSection, type CompactionStats } from './size-card.ts';
import type { ArtifactFile } from './write-artifact.ts';

export type { LatencyMeasure, VariantFigures };

/** The unsigned build report: what shipped and why, with both variants' figures. */
export interface QuantizationReport {
  family: 'dense' | 'trees' | 'other';
  metric: string;
  ship: 'int8' | 'float';
  reason: string;
  float: VariantFigures;
  /** The int8 variant judged last: the one that ships, else the closest to shipping. */
  int8?: VariantFigures;
  /** How that int8 variant stores weights and biases. */
  int8Storage?: Required<Int8Storage>;
  /** Tree ensembles: nodes before / after the exact compaction written into model.onnx. */
  compaction?: CompactionStats;
}

export interface ModelFiles {
  /** model.onnx (and model-float.onnx when int8 ships). */
  files: ArtifactFile[];
  /** The bytes of model.onnx. */
  shipped: Uint8Array;
  /** Deterministic figures for the manifest (sizes, validation metrics, tree nodes). */
  metrics: Record<string, MetricSummary>;
  /** Deterministic text for the card (no latencies). */
  cardSection: string;
  report: QuantizationReport;
}

export async function modelFiles(
  t: TrainedModel,
  o: { measureLatency?: LatencyMeasure | false } = {},
): Promise<ModelFiles> {
  const metric = specMetricOf(t);
  const floatBytes = exportModelOnnx(t);
  const floatOutputs = await validationOutputs(t, floatBytes);
  const float: VariantFigures = {
    bytes: floatBytes.byteLength,
    metric: await validationMetric(t, floatBytes, metric, floatOutputs),
  };
  const latencyRecord = goldenInputRecords(t.trainRecords, t.inputs, 3)[0];
  const measure =
    o.measureLatency === false || latencyRecord === undefined ? null : (o.measureLatency ?? measureOrtWebLatency);
  if (measure && latencyRecord) float.latencyUs = await measure(floatBytes, t.inputs, latencyRecord);
  const metrics: Record<string, MetricSummary> = { size_bytes_float: { metric: 'bytes', value: float.bytes } };
  // The final model was refit on train + validation, so this score on the validation rows is an
  // in-sample check of float vs int8 agreement, not a generalisation estimate (that is `validation`,
  // from before the refit, and the test result): hence "quant_check", not "validation".
  for (const s of summary(metric, float.metric)) metrics[`quant_check_${metric}_float`] = s;

  const saved = t.model.toJSON();
  if (!supportsInt8(saved)) {
    const trees = treeEnsembles(saved);
    const report: QuantizationReport = {
      family: trees.length > 0 ? 'trees' : 'other',
      metric,
      ship: 'float',
      reason: 'int8 weights apply to dense models only (linear, logistic, MLP)',
      float,
    };
    let cardSection = '';
    if (trees.length > 0) {
      const stats: CompactionStats = { nodesBefore: 0, nodesAfter: 0, impliedSplits: 0, mergedLeaves: 0 };
      for (const e of trees) {
        const s = compactEnsemble(e).stats;
        for (const k of Object.keys(stats) as (keyof CompactionStats)[]) stats[k] += s[k];
      }
      report.compaction = stats;
      metrics.tree_nodes = { metric: 'nodes', value: stats.nodesAfter };
      metrics.tree_nodes_uncompacted = { metric: 'nodes', value: stats.nodesBefore };
      cardSection = treeSizeSection(float.bytes, stats);
    }
    return {
      files: [{ path: 'model.onnx', role: 'model', bytes: floatBytes }],
      shipped: floatBytes,
      metrics,
      cardSection,
      report,
    };
  }

  const { bytes: int8Bytes, figures: int8, storage, d } = await climbInt8Ladder(t, metric, float, floatOutputs);
  if (measure && latencyRecord) int8.latencyUs = await measure(int8Bytes, t.inputs, latencyRecord);
  metrics.size_bytes_int8 = { metric: 'bytes', value: int8.bytes };
  for (const s of summary(metric, int8.metric)) metrics[`quant_check_${metric}_int8`] = s;
  const report: QuantizationReport = {
    family: 'dense',
    metric,
    ship: d.ship,
    reason: d.reason,
    float,
    int8,
    int8Storage: storage,
  };
  const cardSection = quantizationSection({
    ship: d.ship,
    reason: d.reason,
    metric,
    float,
    int8,
    storage,
    tolerance: t.quantizationTolerance,
  });
  const files: ArtifactFile[] =
    d.ship === 'int8'
      ? [
          { path: 'model.onnx', role: 'model', bytes: int8Bytes },
          { path: 'model-float.onnx', role: 'model-float', bytes: floatBytes },
        ]
      : [{ path: 'model.onnx', role: 'model', bytes: floatBytes }];
  return { files, shipped: d.ship === 'int8' ? int8Bytes : floatBytes, metrics, cardSection, report };
}
