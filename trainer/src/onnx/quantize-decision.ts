/**
 * Whether a quantized artifact ships: only if its validation metric is no more than
 * `tolerance` (relative, default 1%) worse than the float model's. Getting *better* never blocks.
 */
export interface QuantizeDecision {
  ship: 'int8' | 'float';
  /** Human-readable, for the build report. */
  reason: string;
  /** (quant − float) / |float|, signed so that > 0 means worse. */
  relativeLoss: number;
}

const DEFAULT_QUANT_TOLERANCE = 0.01;

/**
 * `sizes`, when given, also blocks int8 when it does not make the file smaller (a tiny linear model,
 * where the DequantizeLinear node and scales outweigh the bytes saved on weights).
 */
export function quantizeDecision(
  floatMetric: number,
  quantMetric: number,
  tolerance: number = DEFAULT_QUANT_TOLERANCE,
  higherIsBetter = false,
  sizes?: { float: number; int8: number },
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
  if (sizes && sizes.int8 >= sizes.float) {
    return {
      ship: 'float',
      reason: `int8 artifact (${sizes.int8} B) is not smaller than float (${sizes.float} B) — shipping float`,
      relativeLoss,
    };
  }
  if (relativeLoss <= tolerance) {
    return {
      ship: 'int8',
      reason: `int8 metric ${quantMetric} vs float ${floatMetric}: ${relativeLoss > 0 ? `${pct(relativeLoss)} worse` : 'no worse'}, within the ${pct(tolerance)} tolerance`,
      relativeLoss,
    };
  }
  return {
    ship: 'float',
    reason: `int8 metric ${quantMetric} vs float ${floatMetric}: ${pct(relativeLoss)} worse, over the ${pct(tolerance)} tolerance — shipping float`,
    relativeLoss,
  };
}
