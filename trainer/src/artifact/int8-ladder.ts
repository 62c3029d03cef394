/**
 * The int8 storages a dense model is tried with, and how a variant is judged: exported with that
 * storage, scored on the validation rows in onnxruntime-web with the spec metric, and compared with
 * the float file by `quantizeDecision` (the spec tolerance on every output and on the metric, and
 * only if int8 saves INT8_MIN_SAVING of the file).
 */
import type { MetricSummary } from '@outpost/protocol';
import { metricByName } from '../eval/metrics.ts';
import type { TrainedModel } from '../model/trained-model.ts';
import type { Int8Storage } from '../onnx/dense.ts';
import { exportModelOnnx } from '../onnx/export-model.ts';
import { largestOutputChange } from '../onnx/output-change.ts';
import { INT8_MIN_SAVING, quantizeDecision, type QuantizeDecision } from '../onnx/quantize-decision.ts';
import { metricAt } from '../run/threshold.ts';
import { runInOrtWeb } from './ort-runner.ts';

/**
 * int8 storages tried in turn, smallest file first (bench/quantization.ts, housing MLP: 6,519 →
 * 6,641 → 7,155 bytes vs 21,686 float). int8 biases are the smallest but their error is the same on
 * every row; float16 biases are as accurate as float32 in practice; per-channel scales rescue
 * layers whose output columns differ in magnitude.
 */
export const INT8_LADDER: readonly Required<Int8Storage>[] = [
  { mode: 'int8-qdq', granularity: 'per-tensor', bias: 'int8' },
  { mode: 'int8-qdq', granularity: 'per-tensor', bias: 'float16' },
  { mode: 'int8-qdq', granularity: 'per-channel', bias: 'float16' },
];

/** "per-tensor scales, int8 biases" */
export function describeInt8(s: Int8Storage): string {
  return `${s.granularity ?? 'per-tensor'} scales, ${s.bias ?? 'int8'} biases`;
}

/** The spec metric: the validation entry's, else CV's, else any known one, else rmse / accuracy. */
export function specMetricOf(t: Pick<TrainedModel, 'metrics' | 'task'>): string {
  const known = (name: string | undefined): boolean => {
    if (name === undefined) return false;
    try {
      metricByName(name);
      return true;
    } catch {
      return false;
    }
  };
  const candidates = [
    t.metrics.validation?.metric,
    t.metrics.cv?.metric,
    ...Object.values(t.metrics).map((m) => m.metric),
  ];
  return candidates.find(known) ?? (t.task === 'regression' ? 'rmse' : 'accuracy');
}

/** One model file's onnxruntime-web outputs on the validation rows (empty without them). */
export async function validationOutputs(t: TrainedModel, bytes: Uint8Array): Promise<Record<string, number[]>> {
  return t.validation.records.length === 0 ? {} : runInOrtWeb(bytes, t.inputs, t.validation.records);
}

/** The validation metric of one model file, from its onnxruntime-web outputs. */
export async function validationMetric(
  t: TrainedModel,
  bytes: Uint8Array,
  metric: string,
  outputs?: Record<string, number[]>,
): Promise<number> {
  const { records, y } = t.validation;
  if (records.length === 0) return NaN;
  const out = outputs ?? (await runInOrtWeb(bytes, t.inputs, records));
  const pred =
    t.task === 'regression'
      ? out.prediction
      : t.task === 'binary'
        ? (out.probabilities ?? []).filter((_, i) => i % 2 === 1)
        : out.probabilities;
  return metricAt(metric, t.task === 'binary' ? t.threshold : undefined).fn(y, pred ?? []);
}

export interface VariantFigures {
  bytes: number;
  /** Validation metric in onnxruntime-web (NaN without validation rows). */
  metric: number;
  /** Median batch-1 latency in onnxruntime-web, µs (absent when not measured). */
  latencyUs?: number;
  /** int8: the largest relative output change against the float file (output-change.ts). */
  outputChange?: number;
}

export interface Judged {
  bytes: Uint8Array;
  figures: VariantFigures;
  storage: Required<Int8Storage>;
  d: QuantizeDecision;
}

/**
 * Climbs INT8_LADDER: the smallest storage first, the next (larger) one only while the metric, not
 * the size, blocked int8. Returns the variant judged last: the one that ships, else the closest.
 */
export async function climbInt8Ladder(
  t: TrainedModel,
  metric: string,
  float: VariantFigures,
  floatOutputs: Record<string, number[]>,
): Promise<Judged> {
  const higherIsBetter = metricByName(metric).higherIsBetter;
  const judge = async (storage: Required<Int8Storage>): Promise<Judged> => {
    const bytes = exportModelOnnx(t, { quant: storage });
    const outputs = await validationOutputs(t, bytes);
    const figures: VariantFigures = {
      bytes: bytes.byteLength,
      metric: await validationMetric(t, bytes, metric, outputs),
    };
    const change = largestOutputChange(floatOutputs, outputs);
    if (change) figures.outputChange = change.change;
    return {
      bytes,
      figures,
      storage,
      d: quantizeDecision(
        float.metric,
        figures.metric,
        t.quantizationTolerance,
        higherIsBetter,
        { float: float.bytes, int8: figures.bytes },
        change,
      ),
    };
  };
  let judged = await judge(INT8_LADDER[0] as Required<Int8Storage>);
  for (const storage of INT8_LADDER.slice(1)) {
    // Larger storages only help accuracy; once the file saves too little, none can ship.
    if (judged.d.ship === 'int8' || judged.figures.bytes > (1 - INT8_MIN_SAVING) * float.bytes) break;
    judged = await judge(storage);
  }
  return judged;
}

/** A finite metric as a manifest summary (none for NaN). */
export function summary(metric: string, value: number): MetricSummary[] {
  return Number.isFinite(value) ? [{ metric, value }] : [];
}
