/**
 * The MLP of a spec, fitted through the spec's own pipeline on its training rows, and its int8
 * ladder (INT8_LADDER) scored on its validation rows in onnxruntime-web — the builder's check
 * (artifact/int8-ladder.ts) rung by rung — in two forms of the same network:
 *  - explicit: as `standardized()` fits it (learners/standardize.ts): μ / σ as Sub / Div before the
 *    first layer, the weights as learned;
 *  - folded: μ / σ folded into the first layer (w/σ, b − Σ μ·w/σ), the form models had before.
 * The split, pipeline and learner are the run's (data/locked-test.ts, run/cv.ts `fitDesign`, the
 * spec's mlp candidate with the parameters a run cross-validates); the locked test rows are never read.
 */
import {
  INT8_LADDER,
  buildTrainedModel,
  candidatesFor,
  column,
  describeInt8,
  encodeTarget,
  exportModelOnnx,
  fitContext,
  fitDesign,
  foldedSaved,
  loadSpec,
  loadSpecData,
  quantizeDecision,
  reviveModel,
  rmse,
  runInOrtWeb,
  specFeatureColumns,
  splitAndLock,
  type Int8Storage,
  type NumericColumn,
  type RunData,
  type TrainedModel,
} from '@outpost/trainer';

export interface SpecMlp {
  explicit: TrainedModel;
  folded: TrainedModel;
  /** e.g. "35→64→32→1" */
  shape: string;
  trainRows: number;
  fitSeconds: number;
  /** In-process validation RMSE of the fitted model. */
  inProcessRmse: number;
}

export async function fitSpecMlp(specPath: string): Promise<SpecMlp> {
  const loaded = loadSpec(specPath);
  const { spec } = loaded;
  if (spec.task !== 'regression') throw new Error('the spec-pipeline MLP bench is for regression specs');
  const specData = loadSpecData(loaded);
  const split = splitAndLock(specData, spec);
  const enc = encodeTarget(split.table, spec);
  const target: NumericColumn = { kind: 'numeric', name: spec.target.column, values: enc.values };
  const data: RunData = {
    spec,
    table: split.table,
    columns: specFeatureColumns(
      spec,
      split.table.columns.map((c) => c.name),
    ).map((n) => column(split.table, n)),
    target,
  };
  const d = fitDesign(data, split.train, split.validation);
  // The spec's mlp candidate as a run cross-validates it (the first value of each grid).
  const candidate = candidatesFor(spec.task, spec.candidates, false).find((c) => c.name === 'mlp');
  if (!candidate) throw new Error(`${specPath} has no mlp candidate`);
  const params = candidate.params;
  const t0 = performance.now();
  const model = await candidate.learner.fit(
    d.train.x,
    d.train.y,
    params,
    fitContext(data, spec.seed, d.pipeline.features),
  );
  const fitSeconds = (performance.now() - t0) / 1000;
  const explicit = buildTrainedModel({
    loaded,
    data,
    specData,
    split,
    pipeline: d.pipeline,
    model,
    params,
    seed: spec.seed,
    finalRows: d.train.rows,
    validationRows: d.held.rows,
    validationScore: rmse(model.predict(d.held.x), d.held.y),
  });
  const folded = { ...explicit, model: reviveModel(foldedSaved(model.toJSON()), 'regression') };
  const saved = model.toJSON();
  const layers = saved.kind === 'mlp' ? saved.layers : [];
  return {
    explicit,
    folded,
    shape: [d.pipeline.features.length, ...layers.map((l) => l.bias.length)].join('→'),
    trainRows: d.train.rows.length,
    fitSeconds,
    inProcessRmse: rmse(model.predict(d.held.x), d.held.y),
  };
}

export interface LadderRow {
  storage: string;
  bytes: number;
  /** int8 bytes / float bytes (1 for float). */
  ratio: number;
  rmse: number;
  /** Relative RMSE change vs the float file (0 for float). */
  change: number;
  decision: 'int8' | 'float' | '';
}

/** Float, then every INT8_LADDER rung, of the model in `t`, scored as the builder scores it. */
export async function ladder(t: TrainedModel): Promise<LadderRow[]> {
  const score = async (bytes: Uint8Array): Promise<number> =>
    rmse((await runInOrtWeb(bytes, t.inputs, t.validation.records)).prediction ?? [], t.validation.y);
  const floatBytes = exportModelOnnx(t);
  const floatRmse = await score(floatBytes);
  const rows: LadderRow[] = [
    { storage: 'float', bytes: floatBytes.length, ratio: 1, rmse: floatRmse, change: 0, decision: '' },
  ];
  for (const [i, storage] of INT8_LADDER.entries()) {
    const bytes = exportModelOnnx(t, { quant: storage as Int8Storage });
    const e = await score(bytes);
    const d = quantizeDecision(floatRmse, e, t.quantizationTolerance, false, {
      float: floatBytes.length,
      int8: bytes.length,
    });
    rows.push({
      storage: `ladder ${i + 1}: ${describeInt8(storage)}`,
      bytes: bytes.length,
      ratio: bytes.length / floatBytes.length,
      rmse: e,
      change: (e - floatRmse) / floatRmse,
      decision: d.ship,
    });
  }
  return rows;
}
