/**
 * A row the run could choose, judged against the spec's `constraints` (size-budget.ts,
 * latency-budget.ts): its float model.onnx's size, and — when the spec sets a latency budget — its
 * batch-1 latency in onnxruntime-web. A row over either is not chosen; the run report lists both.
 */
import type { InputSpec } from '@outpost/protocol';
import type { LatencyMeasure } from '../artifact/latency.ts';
import type { Column } from '../data/dataset.ts';
import type { SpecPipeline } from '../preprocess/spec-pipeline.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';
import { ortWebLatency, withinLatencyBudget } from './latency-budget.ts';
import { withinBudget } from './size-budget.ts';
import { inputSpecs, rawRecordOf } from './trained-model-build.ts';
import type { RawRecord } from '../model/trained-model.ts';

export interface BudgetFigures {
  bytes: number;
  /** Median batch-1 µs (only when the spec sets `max_latency_us`). */
  latencyUs?: number;
  /** The budgets it is over. */
  over: ('size' | 'latency')[];
}

/** The inputs and the record a row's latency is measured on: the first training row, raw. */
export interface LatencyProbe {
  inputs: InputSpec[];
  record: RawRecord;
}

export function hasBudget(spec: ProblemSpec): boolean {
  return spec.constraints?.max_model_bytes !== undefined || spec.constraints?.max_latency_us !== undefined;
}

export function latencyProbe(
  pipeline: SpecPipeline,
  columns: readonly Column[],
  trainRows: readonly number[],
): LatencyProbe {
  const byName = new Map(columns.map((c) => [c.name, c]));
  return { inputs: inputSpecs(pipeline, byName, trainRows), record: rawRecordOf(pipeline, byName, trainRows[0] ?? 0) };
}

export async function judgeBudgets(
  spec: ProblemSpec,
  onnx: Uint8Array,
  probe: LatencyProbe,
  measure: LatencyMeasure = ortWebLatency,
): Promise<BudgetFigures> {
  const figures: BudgetFigures = { bytes: onnx.byteLength, over: [] };
  if (!withinBudget(spec, figures.bytes)) figures.over.push('size');
  if (spec.constraints?.max_latency_us !== undefined) {
    figures.latencyUs = await measure(onnx, probe.inputs, probe.record);
    if (!withinLatencyBudget(spec, figures.latencyUs)) figures.over.push('latency');
  }
  return figures;
}

/** "model.onnx ≈ 2,288,742 B, over the 1,000,000 B budget; 1,210 µs, over the 1,000 µs budget" */
export function describeBudgets(spec: ProblemSpec, f: BudgetFigures): string {
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const parts = [`model.onnx ≈ ${n(f.bytes)} B`];
  if (f.over.includes('size')) parts[0] += `, over the ${n(spec.constraints?.max_model_bytes ?? 0)} B budget`;
  if (f.latencyUs !== undefined)
    parts.push(
      `${n(f.latencyUs)} µs batch-1${f.over.includes('latency') ? `, over the ${n(spec.constraints?.max_latency_us ?? 0)} µs budget` : ''}`,
    );
  return parts.join('; ');
}
