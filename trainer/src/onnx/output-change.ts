/**
 * The per-output half of the quantization rule (quantize-decision.ts): how far int8 moves each
 * output from the float model's, relative to the value — or, for a value smaller than the
 * output's mean magnitude over the rows, to that mean, so a prediction near 0 among predictions
 * near 100 is judged at the scale of 100. Probabilities are judged against 1 (an absolute change).
 * Integer label outputs are left to the metric check.
 */
import type { OutputChange } from './quantize-decision.ts';

const PROBABILITIES = 'probabilities';
const LABEL = 'label';

export function largestOutputChange(
  float: Readonly<Record<string, readonly number[]>>,
  int8: Readonly<Record<string, readonly number[]>>,
): OutputChange | undefined {
  let worst: OutputChange | undefined;
  for (const [output, want] of Object.entries(float)) {
    if (output === LABEL) continue;
    const got = int8[output];
    if (!got || want.length === 0) continue;
    let scale = 1;
    if (output !== PROBABILITIES) {
      scale = 0;
      for (const v of want) scale += Math.abs(v);
      scale /= want.length;
    }
    for (let i = 0; i < want.length; i++) {
      const w = want[i] as number;
      const denom = output === PROBABILITIES ? 1 : Math.max(Math.abs(w), scale, Number.MIN_VALUE);
      const change = Math.abs((got[i] as number) - w) / denom;
      if (!worst || change > worst.change || Number.isNaN(change)) worst = { output, change };
    }
  }
  return worst;
}
