/**
 * The model files of an artifact, float vs int8 (issue "Model artifacts" §3), judged in the device
 * runtime: onnxruntime-web, one wasm thread, the device's session options (device/src/inference/
 * ort-web-engine.ts).
 *
 * Dense models (linear, logistic, MLP, ensembles of those) are also exported with int8 QDQ
 * weights, trying the storages of INT8_LADDER from the smallest file to the most accurate; each is
 * scored on the validation rows with the spec metric and `quantizeDecision` judges it with the spec
 * tolerance (and only if int8 is smaller): the first that passes ships. When int8 ships,
 * `model.onnx` is int8 and `model-float.onnx` the float model beside it; otherwise only the float
 * `model.onnx` ships and the card says why. Trees ship float, compacted exactly
 * (compact-trees.ts). Golden outputs are the SHIPPED bytes' outputs in onnxruntime-web.
 *
 * Latency is NOT in the signed bytes (manifest or card): `outpost build` must give the same bytes
 * on a rebuild (issue §5) and a measured time never repeats. Sizes and validation metrics are
 * deterministic and go in the manifest; latencies go in the unsigned build report
 * (`QuantizationReport`), which `outpost build` can print. `measureLatency` is injectable (false
 * skips it, e.g. in tests).
 */
import type { GoldenExample, InputSpec, MetricSummary } from '@outpost/protocol';
import type * as OrtWeb from 'onnxruntime-web';
import { metricByName } from '../eval/metrics.ts';
import { quantizeDecision, type QuantizeDecision } from '../onnx/quantize-decision.ts';
import type { Int8Storage } from '../onnx/dense.ts';
import { exportModelOnnx } from '../onnx/export-model.ts';
import { compactEnsemble } from '../onnx/compact-trees.ts';
import { ensembleOf } from '../onnx/heads/tree.ts';
import { memberJSON } from '../onnx/heads/ensemble.ts';
import { outputSpecs } from '../onnx/model-outputs.ts';
import type { RawRecord, TrainedModel } from '../run/trained-model.ts';
import { metricAt } from '../run/threshold.ts';
import { goldenInputRecords } from './golden-records.ts';
import type { ArtifactFile } from './write-artifact.ts';

type Ort = typeof OrtWeb;
let ortPromise: Promise<Ort> | null = null;

/** onnxruntime-web, loaded on first use (its wasm start costs ~0.4 s), one thread like the device. */
function ortWeb(): Promise<Ort> {
  ortPromise ??= import('onnxruntime-web').then((ort) => {
    ort.env.wasm.numThreads = 1;
    return ort;
  });
  return ortPromise;
}

/** The device's feeds: one [N, 1] tensor per input; missing numbers NaN, missing strings ''. */
function feedsOf(ort: Ort, inputs: readonly InputSpec[], records: readonly RawRecord[]): Record<string, OrtWeb.Tensor> {
  const feeds: Record<string, OrtWeb.Tensor> = {};
  for (const input of inputs) {
    const values = records.map((r) => r[input.name]);
    feeds[input.name] =
      input.type === 'float'
        ? new ort.Tensor(
            'float32',
            Float32Array.from(values, (v) => (typeof v === 'number' ? v : NaN)),
            [records.length, 1],
          )
        : new ort.Tensor(
            'string',
            values.map((v) => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '')),
            [records.length, 1],
          );
  }
  return feeds;
}

async function session(ort: Ort, bytes: Uint8Array): Promise<OrtWeb.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
}

/** Each output's flat values for `records`, run in onnxruntime-web as a device would. */
export async function runInOrtWeb(
  bytes: Uint8Array,
  inputs: readonly InputSpec[],
  records: readonly RawRecord[],
): Promise<Record<string, number[]>> {
  if (records.length === 0) return {};
  const ort = await ortWeb();
  const s = await session(ort, bytes);
  try {
    const res = await s.run(feedsOf(ort, inputs, records));
    return Object.fromEntries(
      Object.entries(res).map(([k, t]) => [k, Array.from(t.data as ArrayLike<number | bigint>, Number)]),
    );
  } finally {
    await s.release();
  }
}

/** Median batch-1 run time in microseconds (`runs` timed runs after 20 warm-up runs). */
export type LatencyMeasure = (bytes: Uint8Array, inputs: readonly InputSpec[], record: RawRecord) => Promise<number>;

export const measureOrtWebLatency = async (
  bytes: Uint8Array,
  inputs: readonly InputSpec[],
  record: RawRecord,
  runs = 200,
): Promise<number> => {
  const ort = await ortWeb();
  const s = await session(ort, bytes);
  try {
    const feeds = feedsOf(ort, inputs, [record]);
    for (let i = 0; i < 20; i++) await s.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      await s.run(feeds);
      times.push((performance.now() - t0) * 1000);
    }
    times.sort((a, b) => a - b);
    return times[times.length >> 1] as number;
  } finally {
    await s.release();
  }
};

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

const DENSE = ['linear', 'logistic', 'mlp'];

/** Linear, logistic, MLP, or an averaging ensemble whose members are all of those. */
export function isDenseModel(model: TrainedModel['model']): boolean {
  if (DENSE.includes(model.kind)) return true;
  if (model.kind !== 'ensemble') return false;
  const members = (model.toJSON() as { members?: { kind?: unknown }[] }).members ?? [];
  return members.length > 0 && members.every((m) => DENSE.includes(String(m.kind)));
}

/** The model's tree ensembles (one, or the tree members of an ensemble). */
function treeEnsembles(model: TrainedModel['model']): unknown[] {
  if (['tree', 'forest', 'gbdt'].includes(model.kind)) return [model.toJSON()];
  if (model.kind !== 'ensemble') return [];
  const members = (model.toJSON() as { members?: { kind?: unknown; model?: unknown }[] }).members ?? [];
  return members.filter((m) => ['tree', 'forest', 'gbdt'].includes(String(m.kind))).map((m) => memberJSON(m.model));
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

/** The validation metric of one model file, from its onnxruntime-web outputs. */
async function validationMetric(t: TrainedModel, bytes: Uint8Array, metric: string): Promise<number> {
  const { records, y } = t.validation;
  if (records.length === 0) return NaN;
  const out = await runInOrtWeb(bytes, t.inputs, records);
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
}

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
  compaction?: { nodesBefore: number; nodesAfter: number; impliedSplits: number; mergedLeaves: number };
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

const num = (x: number): string => (Number.isInteger(x) ? String(x) : x.toPrecision(6));

function summary(metric: string, value: number): MetricSummary[] {
  return Number.isFinite(value) ? [{ metric, value }] : [];
}

export async function modelFiles(
  t: TrainedModel,
  o: { measureLatency?: LatencyMeasure | false } = {},
): Promise<ModelFiles> {
  const metric = specMetricOf(t);
  const higherIsBetter = metricByName(metric).higherIsBetter;
  const floatBytes = exportModelOnnx(t);
  const float: VariantFigures = { bytes: floatBytes.byteLength, metric: await validationMetric(t, floatBytes, metric) };
  const latencyRecord = goldenInputRecords(t.trainRecords, t.inputs, 3)[0];
  const measure =
    o.measureLatency === false || latencyRecord === undefined ? null : (o.measureLatency ?? measureOrtWebLatency);
  if (measure && latencyRecord) float.latencyUs = await measure(floatBytes, t.inputs, latencyRecord);
  const metrics: Record<string, MetricSummary> = { size_bytes_float: { metric: 'bytes', value: float.bytes } };
  // The final model was refit on train + validation, so this score on the validation rows is an
  // in-sample check of float vs int8 agreement, not a generalisation estimate (that is `validation`,
  // from before the refit, and the test result): hence "quant_check", not "validation".
  for (const s of summary(metric, float.metric)) metrics[`quant_check_${metric}_float`] = s;

  const trees = treeEnsembles(t.model);
  if (!isDenseModel(t.model)) {
    const report: QuantizationReport = {
      family: trees.length > 0 ? 'trees' : 'other',
      metric,
      ship: 'float',
      reason: 'int8 weights apply to dense models only (linear, logistic, MLP)',
      float,
    };
    let cardSection = '';
    if (trees.length > 0) {
      const stats = { nodesBefore: 0, nodesAfter: 0, impliedSplits: 0, mergedLeaves: 0 };
      for (const json of trees) {
        const s = compactEnsemble(ensembleOf(json)).stats;
        for (const k of Object.keys(stats) as (keyof typeof stats)[]) stats[k] += s[k];
      }
      report.compaction = stats;
      metrics.tree_nodes = { metric: 'nodes', value: stats.nodesAfter };
      metrics.tree_nodes_uncompacted = { metric: 'nodes', value: stats.nodesBefore };
      cardSection = `\n## Artifact size\nThe float model ships (${float.bytes} bytes): trees are compacted exactly (${stats.nodesBefore} → ${stats.nodesAfter} nodes: ${stats.impliedSplits} splits decided by their ancestors, ${stats.mergedLeaves} equal sibling leaves merged) and thresholds stored as float32 rounded down, which changes no prediction.\n`;
    }
    return {
      files: [{ path: 'model.onnx', role: 'model', bytes: floatBytes }],
      shipped: floatBytes,
      metrics,
      cardSection,
      report,
    };
  }

  const judge = async (
    storage: Required<Int8Storage>,
  ): Promise<{ bytes: Uint8Array; figures: VariantFigures; storage: Required<Int8Storage>; d: QuantizeDecision }> => {
    const bytes = exportModelOnnx(t, { quant: storage });
    const figures: VariantFigures = { bytes: bytes.byteLength, metric: await validationMetric(t, bytes, metric) };
    return {
      bytes,
      figures,
      storage,
      d: quantizeDecision(float.metric, figures.metric, t.quantizationTolerance, higherIsBetter, {
        float: float.bytes,
        int8: figures.bytes,
      }),
    };
  };
  let judged = await judge(INT8_LADDER[0] as Required<Int8Storage>);
  // The next storage is larger: worth it only when the metric, not the size, blocked int8.
  for (const storage of INT8_LADDER.slice(1)) {
    if (judged.d.ship === 'int8' || judged.figures.bytes >= float.bytes) break;
    judged = await judge(storage);
  }
  const { bytes: int8Bytes, figures: int8, storage, d } = judged;
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
  const figures = `${metric} on the validation rows (seen by the final refit) ${num(int8.metric)} (int8, ${describeInt8(storage)}) vs ${num(float.metric)} (float), ${int8.bytes} vs ${float.bytes} bytes, tolerance ${num(t.quantizationTolerance * 100)}%`;
  if (d.ship === 'int8') {
    return {
      files: [
        { path: 'model.onnx', role: 'model', bytes: int8Bytes },
        { path: 'model-float.onnx', role: 'model-float', bytes: floatBytes },
      ],
      shipped: int8Bytes,
      metrics,
      cardSection: `\n## Quantization\n\`model.onnx\` has int8 weights (QDQ, ${describeInt8(storage)}); \`model-float.onnx\` is the float model, for comparison: ${figures}.\n`,
      report,
    };
  }
  return {
    files: [{ path: 'model.onnx', role: 'model', bytes: floatBytes }],
    shipped: floatBytes,
    metrics,
    cardSection: `\n## Quantization\nThe float model ships, not int8: ${d.reason} (${figures}).\n`,
    report,
  };
}

/** Golden examples whose expected outputs are the shipped model's, in onnxruntime-web. */
export async function shippedGolden(t: TrainedModel, shipped: Uint8Array, count = 8): Promise<GoldenExample[]> {
  const records = goldenInputRecords(t.trainRecords, t.inputs, count);
  const out = await runInOrtWeb(shipped, t.inputs, records);
  const names = outputSpecs(t).map((s) => s.name);
  const n = records.length;
  return records.map((inputs, r) => ({
    inputs,
    outputs: Object.fromEntries(
      names.map((name) => {
        const data = out[name] ?? [];
        const stride = data.length / n;
        return [name, data.slice(r * stride, (r + 1) * stride)];
      }),
    ),
  }));
}
