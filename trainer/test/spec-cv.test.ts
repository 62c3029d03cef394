import { isOutpostError } from '@outpost/protocol';
import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { featureSetsOf } from '../src/run/feature-sets.ts';
import { checkSpecColumns, parseSpec } from '../src/spec/load-spec.ts';

const FILE = '/specs/demo/problem.yaml';
const VALID = `
name: demo
objective: predict y
task: binary
data: [{ csv: data.csv }]
target: y
metric: accuracy
`;

function fieldOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (isOutpostError(err)) return { code: err.code, field: err.details.field };
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('spec cv', () => {
  it('defaults to ungrouped folds, chosen on validation', () => {
    expect(parseSpec(VALID, FILE, '/specs/demo').spec.cv).toEqual({ select: 'validation' });
  });

  it('reads grouping and selection', () => {
    const { spec } = parseSpec(
      `${VALID}cv: { folds: 4, group: { column: date, by: day }, select: cv }\n`,
      FILE,
      '/specs/demo',
    );
    expect(spec.cv).toEqual({ folds: 4, group: { column: 'date', by: 'day' }, select: 'cv' });
  });

  it.each([
    ['cv: { folds: 1 }', 'cv.folds'],
    ['cv: { group: { column: date, by: week } }', 'cv.group.by'],
    ['cv: { select: test }', 'cv.select'],
    ['cv: { gruop: { column: date } }', 'cv.gruop'],
  ])('%s is refused naming %s', (yaml, field) => {
    expect(fieldOf(() => parseSpec(`${VALID}${yaml}\n`, FILE, '/specs/demo'))).toEqual({
      code: TrainerErrorCodes.SPEC_INVALID,
      field,
    });
  });

  it('names cv.group.column when the data lacks it', () => {
    const loaded = parseSpec(`${VALID}cv: { group: { column: day } }\n`, FILE, '/specs/demo');
    expect(fieldOf(() => checkSpecColumns(loaded, ['y', 'x']))).toEqual({
      code: TrainerErrorCodes.SPEC_COLUMN_UNKNOWN,
      field: 'cv.group.column',
    });
  });
});

describe('spec feature_sets', () => {
  const withSets = (sets: string): ReturnType<typeof parseSpec>['spec'] =>
    parseSpec(`${VALID}feature_sets: ${sets}\n`, FILE, '/specs/demo').spec;

  it('defaults to one set of every feature, in data order', () => {
    expect(featureSetsOf(parseSpec(VALID, FILE, '/specs/demo').spec, ['a', 'b'])).toEqual([
      { name: 'all', features: ['a', 'b'] },
    ]);
    expect(featureSetsOf(withSets('{ full: all, two: [c, a] }'), ['a', 'b', 'c'])).toEqual([
      { name: 'full', features: ['a', 'b', 'c'] },
      { name: 'two', features: ['a', 'c'] },
    ]);
  });

  it('refuses a set with a column that is not a feature, and a bad name', () => {
    expect(fieldOf(() => featureSetsOf(withSets('{ one: [y] }'), ['a', 'b']))).toEqual({
      code: TrainerErrorCodes.SPEC_INVALID,
      field: 'feature_sets.one[0]',
    });
    expect(fieldOf(() => withSets('{ One: [a] }'))).toMatchObject({ code: TrainerErrorCodes.SPEC_INVALID });
    expect(fieldOf(() => withSets('{ one: [] }'))).toEqual({
      code: TrainerErrorCodes.SPEC_INVALID,
      field: 'feature_sets.one',
    });
  });

  it('names the set and position of a column the data lacks', () => {
    const loaded = parseSpec(`${VALID}feature_sets: { one: [x, q] }\n`, FILE, '/specs/demo');
    expect(fieldOf(() => checkSpecColumns(loaded, ['y', 'x']))).toEqual({
      code: TrainerErrorCodes.SPEC_COLUMN_UNKNOWN,
      field: 'feature_sets.one[1]',
    });
  });
});
