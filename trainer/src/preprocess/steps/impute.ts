import type { FittedImpute } from '@outpost/protocol';
import type { z } from 'zod';
import type { ImputeStep } from '../../spec/steps.ts';
import { quantileSorted } from '../../stats.ts';
import { f32, sortedValues, stepError, type Frame } from './frame.ts';

export type { FittedImpute };
type Spec = z.infer<typeof ImputeStep>;

/**
 * Fits one spec impute step. Without `columns` it covers the raw inputs not yet imputed that the
 * strategy suits: median/mean → numeric ones, mode → all, constant → those of the value's kind.
 */
export function fitImpute(step: Spec, frame: Frame, candidates: readonly string[], done: Set<string>): FittedImpute[] {
  const names = step.columns ?? candidates.filter((c) => !done.has(c) && suits(step, frame, c));
  return names.map((column) => {
    if (done.has(column)) throw stepError('impute', column, 'the column is already imputed by an earlier step');
    done.add(column);
    const indicator = step.indicator ? `${column}_missing` : null;
    const num = frame.numeric.get(column);
    if (num) return { op: 'impute', column, kind: 'numeric', fill: numericFill(step, column, num), indicator };
    const cat = frame.categorical.get(column);
    if (cat) return { op: 'impute', column, kind: 'categorical', fill: categoricalFill(step, column, cat), indicator };
    throw stepError('impute', column, 'no such column');
  });
}

/** The impute every numeric input gets when the spec has none for it: a device can always send null. */
export function defaultImpute(column: string, values: Float64Array): FittedImpute {
  return {
    op: 'impute',
    column,
    kind: 'numeric',
    fill: numericFill({ op: 'impute', strategy: 'median', indicator: false }, column, values),
    indicator: null,
  };
}

function suits(step: Spec, frame: Frame, column: string): boolean {
  if (step.strategy === 'mode') return true;
  if (step.strategy === 'constant')
    return typeof step.value === 'string' ? frame.categorical.has(column) : frame.numeric.has(column);
  return frame.numeric.has(column);
}

function numericFill(step: Spec, column: string, values: Float64Array): number {
  const present = sortedValues(values);
  switch (step.strategy) {
    case 'median':
      return present.length === 0 ? 0 : f32(quantileSorted(present, 0.5));
    case 'mean': {
      let s = 0;
      for (const v of present) s += v;
      return present.length === 0 ? 0 : f32(s / present.length);
    }
    case 'mode':
      return present.length === 0 ? 0 : (mostFrequent(Array.from(present)) as number);
    case 'constant':
      if (typeof step.value !== 'number')
        throw stepError('impute', column, 'strategy constant on a numeric column needs a numeric value');
      return f32(step.value);
  }
}

function categoricalFill(step: Spec, column: string, values: readonly string[]): string {
  if (step.strategy === 'mode') return mostFrequent(values.filter((v) => v !== '')) ?? '';
  if (step.strategy === 'constant' && typeof step.value === 'string' && step.value !== '') return step.value;
  throw stepError(
    'impute',
    column,
    step.strategy === 'constant'
      ? 'strategy constant on a categorical column needs a non-empty string value'
      : `strategy ${step.strategy} needs a numeric column`,
  );
}

/** The most frequent value; ties go to the smallest, so the fit is deterministic. */
function mostFrequent<T extends number | string>(values: readonly T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let bestCount = 0;
  for (const [v, c] of counts) {
    if (c > bestCount || (c === bestCount && best !== undefined && v < best)) {
      best = v;
      bestCount = c;
    }
  }
  return best;
}
