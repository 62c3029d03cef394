/**
 * Whether a quantized artifact ships. One rule, with the spec's `quantization.tolerance` (default
 * 1%) as its one number, checked three ways — int8 ships only when all hold:
 *
 * 1. **Per output**: the largest relative output change over the validation rows,
 *    |int8 − float| / max(|float|, the output's mean |float|) — probabilities against 1 — is at
 *    most `tolerance`, for every output (output-change.ts). A model whose outputs move by 10% on
 *    some rows does not ship int8 because its average error happens to hold.
 * 2. **On the metric**: the validation metric is no more than `tolerance` (relative) worse than the
 *    float model's. Getting better never blocks.
 * 3. **On size**: int8 saves at least INT8_MIN_SAVING (20%) of the float file. Below that the few
 *    bytes saved do not pay for any change of outputs (a small linear model, where the
 *    DequantizeLinear nodes and scales outweigh the bytes saved on weights).
 */
export interface QuantizeDecision {
  ship: 'int8' | 'float';
  /** Human-readable, for the build report. */
  reason: string;
  /** (quant − float) / |float|, signed so that > 0 means worse. */
  relativeLoss: number;
}

const DEFAULT_QUANT_TOLERANCE = 0.01;
/** int8 must make the model file at least this much smaller (share of the float file). */
export const INT8_MIN_SAVING = 0.2;

/** The largest relative change of one output between the float and the int8 file (output-change.ts). */
export interface OutputChange {
  output: string;
  change: number;
}

/**
 * `sizes`, when given, blocks int8 unless it saves INT8_MIN_SAVING of the file; `outputChange`,
 * when given, blocks it when the largest relative output change is over the tolerance.
 */
export function quantizeDecision(
  floatMetric: number,
  quantMetric: number,
  tolerance: number = DEFAULT_QUANT_TOLERANCE,
  higherIsBetter = false,
  sizes?: { float: number; int8: number },
  outputChange?: OutputChange,
): QuantizeDecision {
  if (!Number.isFinite(floatMetric) || !Number.isFinite(quantMetric)) {
    return {
      ship: 'float',
      reason: `metric not finite (float ${floatMetric}, int8 ${quantMetric}): shipping float`,
      relativeLoss: NaN,
    };
  }
  const worse = higherIsBetter ? floatMetric - quantMetric : quantMetric - floatMetric;
  // A zero float metric (a perfect fit) admits no relative slack: any loss at all blocks int8.
  const relativeLoss = floatMetric === 0 ? (worse > 0 ? Infinity : 0) : worse / Math.abs(floatMetric);
  const pct = (v: number): string => `${(v * 100).toFixed(3)}%`;
  if (sizes && sizes.int8 > (1 - INT8_MIN_SAVING) * sizes.float) {
    const saved = 1 - sizes.int8 / sizes.float;
    return {
      ship: 'float',
      reason: `int8 artifact (${sizes.int8} B) ${sizes.int8 >= sizes.float ? 'is not smaller than' : `saves only ${(100 * saved).toFixed(1)}% of`} float (${sizes.float} B); int8 ships only when it saves at least ${100 * INT8_MIN_SAVING}% — shipping float`,
      relativeLoss,
    };
  }
  if (outputChange && !(outputChange.change <= tolerance)) {
    return {
      ship: 'float',
      reason: `int8 moves output ${outputChange.output} by up to ${pct(outputChange.change)} on a validation row, over the ${pct(tolerance)} tolerance — shipping float`,
      relativeLoss,
    };
  }
  const outputs = outputChange ? `, outputs within ${pct(outputChange.change)}` : '';
  if (relativeLoss <= tolerance) {
    return {
      ship: 'int8',
      reason: `int8 metric ${quantMetric} vs float ${floatMetric}: ${relativeLoss > 0 ? `${pct(relativeLoss)} worse` : 'no worse'}${outputs}, within the ${pct(tolerance)} tolerance`,
      relativeLoss,
    };
  }
  return {
    ship: 'float',
    reason: `int8 metric ${quantMetric} vs float ${floatMetric}: ${pct(relativeLoss)} worse, over the ${pct(tolerance)} tolerance — shipping float`,
    relativeLoss,
  };
}
