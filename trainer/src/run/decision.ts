/**
 * Go / no-go against the spec: the model's score must reach
 * `success.threshold` (when given) and, with `success.beat_baseline`, be strictly better than the
 * baseline — a number from the spec or the baseline model's score on the same rows. Provisional on
 * the validation rows at train time; final on the locked test set.
 */
import { lowerIsBetter, type Metric, type ProblemSpec } from '../spec/problem-spec.ts';

export interface Decision {
  go: boolean;
  stage: 'provisional' | 'final';
  /** The rows the scores come from. */
  on: 'validation' | 'test';
  metric: Metric;
  value: number;
  threshold?: number;
  baseline: { source: 'spec' | 'baseline-model'; value: number };
  /** One line per rule, each saying whether it passed. */
  reasons: string[];
}

/** The metric the decision uses: `success.metric`, else the spec's metric. */
export function decisionMetric(spec: ProblemSpec): Metric {
  return spec.success.metric ?? spec.metric;
}

export function decide(
  spec: ProblemSpec,
  value: number,
  baselineModelValue: number,
  stage: Decision['stage'],
): Decision {
  const metric = decisionMetric(spec);
  const low = lowerIsBetter(metric);
  const better = (a: number, b: number): boolean => (low ? a < b : a > b);
  const atLeast = (a: number, b: number): boolean => (low ? a <= b : a >= b);
  const baseline =
    typeof spec.baseline === 'number'
      ? { source: 'spec' as const, value: spec.baseline }
      : { source: 'baseline-model' as const, value: baselineModelValue };
  const on = stage === 'final' ? 'test' : 'validation';
  const reasons: string[] = [];
  let go = Number.isFinite(value);
  const threshold = spec.success.threshold;
  if (threshold !== undefined) {
    const ok = atLeast(value, threshold);
    go &&= ok;
    reasons.push(
      `${metric} ${fmt(value)} on ${on} ${ok ? 'meets' : 'misses'} the threshold ${low ? '≤' : '≥'} ${fmt(threshold)}`,
    );
  }
  if (spec.success.beat_baseline) {
    const ok = better(value, baseline.value);
    go &&= ok;
    reasons.push(
      `${metric} ${fmt(value)} ${ok ? 'beats' : 'does not beat'} the baseline (${baseline.source === 'spec' ? 'spec' : 'baseline model'}) ${fmt(baseline.value)}`,
    );
  }
  if (reasons.length === 0) reasons.push('the spec sets no success rule: go');
  const d: Decision = { go, stage, on, metric, value, baseline, reasons };
  if (threshold !== undefined) d.threshold = threshold;
  return d;
}

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(4)).toString();
}
