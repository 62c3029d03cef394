/**
 * The spec's `constraints.max_latency_us`: a device answers one reading at a time, so what counts
 * is the batch-1 run time on its default engine, onnxruntime-web with one wasm thread. Each row the
 * run could choose is exported once (float, from its train-only fit, preprocessing included, as for
 * the size budget) and timed on one training record: the median of `LATENCY_RUNS` runs after 20
 * warm-up runs (artifact/quantized.ts measureOrtWebLatency). A row over the budget is not chosen.
 *
 * The figure is this machine's, not the device's: budgets are set with room for a slower core (the
 * shipped specs' choice is explained in firmware-models/README.md). Being a measurement it varies
 * from run to run, so a row within a few per cent of the budget may be chosen on one run and not
 * on the next; the run report records every row's figure.
 */
import { measureOrtWebLatency, type LatencyMeasure } from '../artifact/latency.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';

/** Timed runs per row. */
export const LATENCY_RUNS = 200;

/** The default measure: median batch-1 µs in onnxruntime-web over LATENCY_RUNS runs. */
export const ortWebLatency: LatencyMeasure = (bytes, inputs, record) =>
  measureOrtWebLatency(bytes, inputs, record, LATENCY_RUNS);

/** True when the spec sets no latency budget or `us` is within it. */
export function withinLatencyBudget(spec: ProblemSpec, us: number): boolean {
  const max = spec.constraints?.max_latency_us;
  return max === undefined || us <= max;
}
