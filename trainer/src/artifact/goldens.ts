/**
 * The golden examples of an artifact, and the check that makes the build fail on a wrong export.
 *
 * The inputs are `goldenInputRecords` (evenly spread training rows, a row with a missing number, an
 * all-unseen-categories row). The expected outputs come from the trainer's in-process model — the
 * fitted pipeline and `TrainedModel.model.predict` in float64 (`modelOutputs`) — not from the
 * exported bytes, so a golden check downstream (the fleet's, the device's smoke test) can catch an
 * export that computes something else, not only a file corrupted on the way.
 *
 * Before they are signed, the exported bytes run in onnxruntime-web (one wasm thread, as on the
 * device) on the golden inputs and must agree with the in-process outputs:
 * - the float model (`model.onnx`, or `model-float.onnx` beside an int8 one) within
 *   `EXPORT_PARITY_RTOL`, the exporter's parity bound (trainer/test/parity.test.ts holds every
 *   learner to it); labels equal, except on a row whose probabilities sit within that bound of the
 *   decision (a float32 tie);
 * - an int8 `model.onnx` within `INT8_GOLDEN_BOUND` of each output's scale (int8 weights move
 *   outputs by more than float32 rounding, and the spec's quantization tolerance only bounds the
 *   validation metric). Its goldens are then the int8 bytes' outputs, because the device's smoke test
 *   compares at 1e-4 (device/src/smoke-test.ts) — the in-process model still vouches for them
 *   through both checks.
 * A disagreement throws `OUTPOST_ERR_ARTIFACT_GOLDEN_MISMATCH` naming the file, example, output and
 * values; nothing is written.
 */
import type { GoldenExample } from '@outpost/protocol';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { LABEL, PROBABILITIES, labelThreshold } from '../onnx/export-model.ts';
import { modelOutputs, outputSpecs, type ModelOutputs } from '../onnx/model-outputs.ts';
import type { RawRecord, TrainedModel } from '../model/trained-model.ts';
import { goldenInputRecords } from './golden-records.ts';
import { runInOrtWeb } from './ort-runner.ts';
import type { ModelFiles } from './quantized.ts';

/**
 * The exporter's parity bound: |onnx − in-process| ≤ EXPORT_PARITY_RTOL · max(|in-process|, floor),
 * the floor being `PROBABILITY_FLOOR` for probabilities (float32 softmax tails, as in
 * trainer/test/parity.test.ts) and, for a regression prediction, the output's largest |value| over
 * the golden rows (at least `PARITY_FLOOR`): float32 rounding is relative to the terms summed, so a
 * prediction near 0 among predictions near 10 is judged at the scale of 10 (−0.0065642 vs −0.0065665
 * is float32 cancellation, not a wrong export).
 */
export const EXPORT_PARITY_RTOL = 1e-5;
export const PARITY_FLOOR = 1e-6;
export const PROBABILITY_FLOOR = 1e-3;

/**
 * An int8 model's bound: |int8 − in-process| ≤ INT8_GOLDEN_BOUND · max(|in-process|, the largest
 * |in-process| value of that output over the golden rows); probabilities are judged against 1.
 */
export const INT8_GOLDEN_BOUND = 0.05;

/** How far the outputs of one model file may stray from the in-process ones. */
interface Bound {
  /** Allowed |got − want| for a value `want` of `output` (scale: the output's largest |want|). */
  tolerance(output: string, want: number, scale: number): number;
  describe: string;
}

const parityBound: Bound = {
  tolerance: (output, want, scale) =>
    EXPORT_PARITY_RTOL *
    Math.max(Math.abs(want), output === PROBABILITIES ? PROBABILITY_FLOOR : Math.max(scale, PARITY_FLOOR)),
  describe: `the exporter's parity bound (${EXPORT_PARITY_RTOL} of the output's scale)`,
};

const int8Bound: Bound = {
  tolerance: (output, want, scale) =>
    INT8_GOLDEN_BOUND * (output === PROBABILITIES ? 1 : Math.max(Math.abs(want), scale, PARITY_FLOOR)),
  describe: `the int8 bound (${INT8_GOLDEN_BOUND} of the output's scale)`,
};

/** Flat per-batch runtime outputs → per-row values, for the outputs the manifest declares. */
function perRow(flat: Record<string, number[]>, names: readonly string[], n: number): ModelOutputs {
  return Object.fromEntries(
    names.map((name) => {
      const data = flat[name] ?? [];
      const stride = data.length / n;
      return [name, Array.from({ length: n }, (_, r) => data.slice(r * stride, (r + 1) * stride))];
    }),
  );
}

/** A label may differ only where the in-process probabilities put the row within `slack` of the decision. */
function labelAmbiguous(
  t: Pick<TrainedModel, 'task' | 'threshold'>,
  probabilities: readonly number[],
  got: number,
  slack: number,
): boolean {
  if (t.task === 'binary') return Math.abs((probabilities[1] as number) - labelThreshold(t)) <= slack;
  const best = Math.max(...probabilities);
  return best - (probabilities[got] ?? -Infinity) <= slack;
}

/** Throws ARTIFACT_GOLDEN_MISMATCH at the first value of `got` outside `bound` of `want`. */
function assertAgree(
  t: TrainedModel,
  file: string,
  want: ModelOutputs,
  got: ModelOutputs,
  bound: Bound,
  n: number,
): void {
  const fail = (example: number, output: string, index: number, expected: number, actual: number): never => {
    throw trainerError(
      TrainerErrorCodes.ARTIFACT_GOLDEN_MISMATCH,
      `${t.name}: ${file} disagrees with the trainer's model on golden example ${example}, output ${output}[${index}]: ${actual} vs ${expected}, beyond ${bound.describe} — the export is wrong; nothing was written`,
      { file, example, output, index, expected, actual, bound: bound.describe },
    );
  };
  for (const [output, rows] of Object.entries(want)) {
    const scale = Math.max(0, ...rows.flat().map(Math.abs));
    for (let r = 0; r < n; r++) {
      const w = rows[r] as number[];
      const g = got[output]?.[r] ?? [];
      if (g.length !== w.length) fail(r, output, g.length, w.length, g.length);
      w.forEach((expected, k) => {
        const actual = g[k] as number;
        if (output === LABEL) {
          if (actual === expected) return;
          const probabilities = want[PROBABILITIES]?.[r] ?? [];
          const slack = bound.tolerance(PROBABILITIES, Math.max(...probabilities), 1);
          if (!labelAmbiguous(t, probabilities, actual, slack)) fail(r, output, k, expected, actual);
          return;
        }
        if (!(Math.abs(actual - expected) <= bound.tolerance(output, expected, scale)))
          fail(r, output, k, expected, actual);
      });
    }
  }
}

function examples(records: readonly RawRecord[], outputs: ModelOutputs): GoldenExample[] {
  return records.map((inputs, r) => ({
    inputs,
    outputs: Object.fromEntries(Object.entries(outputs).map(([name, rows]) => [name, rows[r] as number[]])),
  }));
}

/**
 * The device's smoke-test rule (device/src/smoke-test.ts): a golden value passes when
 * |actual − expected| ≤ SMOKE_ATOL + SMOKE_RTOL·|expected|.
 */
export const SMOKE_RTOL = 1e-4;
export const SMOKE_ATOL = 1e-6;

/** Spread training rows tried per golden example, as spares for rows the device rule cannot judge. */
const SPARES_PER_EXAMPLE = 4;

/** Every value of row `r` of `got` passes the device's smoke-test rule against `want`. */
function passesSmokeRule(want: ModelOutputs, got: ModelOutputs, r: number): boolean {
  return Object.entries(want).every(([name, rows]) =>
    (rows[r] as number[]).every((w, k) => {
      const a = got[name]?.[r]?.[k] as number;
      return Math.abs(a - w) <= SMOKE_ATOL + SMOKE_RTOL * Math.abs(w);
    }),
  );
}

/**
 * The artifact's golden examples: the in-process outputs (the int8 bytes' outputs when int8
 * ships), after the exported bytes were checked against them on the examples and on spare rows.
 * A row whose float32 output cannot meet the device's smoke-test rule although it is within the
 * parity bound (a prediction near 0 whose terms cancel) would make the device refuse a correct
 * model; it is replaced by the next spare spread row that meets it. Throws ARTIFACT_GOLDEN_MISMATCH.
 */
export async function checkedGolden(t: TrainedModel, model: ModelFiles, count = 8): Promise<GoldenExample[]> {
  const chosen = goldenInputRecords(t.trainRecords, t.inputs, count);
  if (chosen.length === 0) return [];
  const seen = new Set(chosen.map((r) => JSON.stringify(r)));
  const spreadCount = SPARES_PER_EXAMPLE * count;
  const spares = goldenInputRecords(t.trainRecords, t.inputs, spreadCount + 2)
    .slice(0, spreadCount)
    .filter((r) => !seen.has(JSON.stringify(r)));
  const records = [...chosen, ...spares];
  const n = records.length;
  const names = outputSpecs(t).map((s) => s.name);
  const want = modelOutputs(t, records);
  const run = async (bytes: Uint8Array): Promise<ModelOutputs> =>
    perRow(await runInOrtWeb(bytes, t.inputs, records), names, n);
  const floatFile = model.files.find((f) => f.role === 'model-float');
  const int8Ships = floatFile !== undefined;
  const float = await run(int8Ships ? floatFile.bytes : model.shipped);
  assertAgree(t, int8Ships ? floatFile.path : 'model.onnx', want, float, parityBound, n);
  if (int8Ships) {
    // The device compares the int8 bytes' outputs with themselves: no row needs replacing.
    const int8 = await run(model.shipped);
    assertAgree(t, 'model.onnx', want, int8, int8Bound, n);
    return examples(records, int8).slice(0, chosen.length);
  }
  const all = examples(records, want);
  const out: GoldenExample[] = [];
  let spare = chosen.length;
  for (let r = 0; r < chosen.length; r++) {
    if (passesSmokeRule(want, float, r)) {
      out.push(all[r] as GoldenExample);
      continue;
    }
    while (spare < n && !passesSmokeRule(want, float, spare)) spare++;
    if (spare < n) out.push(all[spare++] as GoldenExample);
  }
  return out;
}
