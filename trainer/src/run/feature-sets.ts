/**
 * The spec's `feature_sets`: alternative column lists a run cross-validates every candidate on.
 * A set must be drawn from the spec's features (the target and excluded columns are not
 * features), so a set can only narrow what the spec allows.
 */
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import type { ProblemSpec } from '../spec/problem-spec.ts';

export interface FeatureSet {
  name: string;
  features: string[];
}

/** The sets to compare, in spec order; one set `all` (the spec's features) when the spec names none. */
export function featureSetsOf(spec: ProblemSpec, features: readonly string[]): FeatureSet[] {
  const sets = Object.entries(spec.feature_sets ?? { all: 'all' as const });
  return sets.map(([name, set]) => {
    if (set === 'all') return { name, features: [...features] };
    set.forEach((c, j) => {
      if (!features.includes(c)) {
        throw trainerError(
          TrainerErrorCodes.SPEC_INVALID,
          `feature_sets.${name}[${j}]: ${c} is not one of the spec's features (${features.join(', ')})`,
          {
            field: `feature_sets.${name}[${j}]`,
            problem: 'not a feature',
            columnName: c,
          },
        );
      }
    });
    // Keep the data's column order, so a set's design matches a spec that lists those features.
    return { name, features: features.filter((f) => set.includes(f)) };
  });
}
