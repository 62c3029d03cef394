import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isOutpostError } from '@outpost/protocol';
import { describe, expect, it } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { checkSpecColumns, loadSpec, parseSpec } from '../src/spec/load-spec.ts';
import { runProfile } from '../src/spec/quick-profile.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const FILE = '/specs/demo/problem.yaml';

const VALID = `
name: demo
objective: predict y
task: regression
data: [{ csv: data.csv }]
target: y
metric: rmse
`;

function specError(yaml: string): { code: string; field: unknown; problem: unknown; file: unknown } {
  try {
    parseSpec(yaml, FILE, '/specs/demo');
  } catch (err) {
    if (!isOutpostError(err)) throw err;
    return { code: err.code, field: err.details.field, problem: err.details.problem, file: err.details.file };
  }
  throw new Error('expected the spec to be rejected');
}

describe('problem spec', () => {
  it('fills defaults and normalises the target', () => {
    const { spec, sources } = parseSpec(VALID, FILE, '/specs/demo');
    expect(spec.target).toEqual({ column: 'y' });
    expect(spec.seed).toBe(42);
    expect(spec.split).toEqual({ method: 'random', test: 0.2, validation: 0.2 });
    expect(spec.baseline).toBe('baseline-model');
    expect(spec.success).toEqual({ beat_baseline: true });
    expect(spec.quantization).toEqual({ tolerance: 0.01 });
    expect(spec.cleaning).toEqual([]);
    expect(spec.feature_steps).toEqual([]);
    expect(sources[0]).toMatchObject({ csv: 'data.csv', role: 'train', path: '/specs/demo/data.csv' });
  });

  it.each([
    ['split:\n  test: 1.5', 'split.test', 'must be between 0 and 1'],
    ['split:\n  tset: 0.2', 'split.tset', 'unknown key'],
    ['colour: red', 'colour', 'unknown key'],
    ['split:\n  method: stratified', 'split.column', 'required for method stratified'],
    [
      'split:\n  test: 0.5\n  validation: 0.5',
      'split.validation',
      'test + validation must leave rows for training (sum < 1)',
    ],
    ['cleaning:\n  - { op: impute, strategy: average }', 'cleaning[0].strategy', undefined],
    ['feature_steps:\n  - { op: ratio, name: r, numerator: a }', 'feature_steps[0].denominator', undefined],
    ['seed: 1.5', 'seed', undefined],
    ['constraints: { max_latency_us: -5 }', 'constraints.max_latency_us', undefined],
    ['constraints: { max_latency: 5 }', 'constraints.max_latency', 'unknown key'],
    ['quick: { folds: 1 }', 'quick.folds', 'must be at least 2'],
    ['quick: { fold: 3 }', 'quick.fold', 'unknown key'],
  ])('rejects %j at %s', (extra, field, problem) => {
    const e = specError(`${VALID}${extra}\n`);
    expect(e.code).toBe(TrainerErrorCodes.SPEC_INVALID);
    expect(e.field).toBe(field);
    if (problem) expect(e.problem).toBe(problem);
    expect(e.file).toBe(FILE);
  });

  it('rejects a metric that does not fit the task, and a missing field', () => {
    expect(specError(VALID.replace('metric: rmse', 'metric: accuracy')).field).toBe('metric');
    expect(specError(VALID.replace('name: demo', '')).field).toBe('name');
    expect(specError(VALID.replace('task: regression', 'task: ranking')).field).toBe('task');
  });

  it('checks data sources', () => {
    expect(
      specError(VALID.replace('[{ csv: data.csv }]', '[{ sqlite: d.db, table: t, query: "select 1" }]')).field,
    ).toBe('data[0]');
    expect(specError(VALID.replace('[{ csv: data.csv }]', '[{ csv: a.csv, role: test }]')).field).toBe('data');
    expect(specError(VALID.replace('[{ csv: data.csv }]', '[{ csv: a.csv, rol: train }]')).field).toBe('data[0].rol');
  });

  it('fails on YAML that does not parse, with the file', () => {
    try {
      parseSpec('name: [unclosed\n', FILE, '/specs/demo');
      expect.unreachable();
    } catch (err) {
      expect(isOutpostError(err, TrainerErrorCodes.SPEC_UNREADABLE)).toBe(true);
      expect(err).toMatchObject({ details: { file: FILE, line: 2 } });
    }
    expect(() => loadSpec('/nonexistent/problem.yaml')).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.SPEC_UNREADABLE }),
    );
  });

  it('loads the shipped specs, resolving data paths from the repository root', () => {
    const housing = loadSpec(join(REPO, 'firmware-models/housing/problem.yaml'));
    expect(housing.spec).toMatchObject({
      name: 'housing',
      task: 'regression',
      metric: 'rmse',
      success: { threshold: 50000, beat_baseline: true },
    });
    expect(housing.spec.split).toEqual({
      method: 'stratified',
      column: 'median_income',
      bins: [1.5, 3, 4.5, 6],
      test: 0.2,
      validation: 0.2,
    });
    expect(housing.sources[0]?.path).toBe(resolve(REPO, 'trainer/datasets/california-housing/housing.csv'));
    expect(
      housing.spec.feature_steps.filter((s) => s.op === 'rotate').map((s) => (s.op === 'rotate' ? s.degrees : 0)),
    ).toEqual([15, 30, 45, 60]);
    const occupancy = loadSpec(join(REPO, 'firmware-models/occupancy/problem.yaml'));
    expect(occupancy.spec.data.map((d) => d.role)).toEqual(['train', 'test', 'extra-test']);
    expect(occupancy.spec.features).toEqual({ exclude: ['id', 'date'] });
    const shipping = loadSpec(join(REPO, 'firmware-models/shipping/problem.yaml'));
    expect(shipping.spec.target).toEqual({ column: 'Reached.on.Time_Y.N', positive: 1 });
    expect(shipping.spec.metric).toBe('f1');
  });

  it('every shipped spec sets a size and a latency budget and a quick profile', () => {
    for (const name of ['housing', 'occupancy', 'shipping']) {
      const { spec } = loadSpec(join(REPO, 'firmware-models', name, 'problem.yaml'));
      expect(spec.constraints?.max_model_bytes, name).toBeLessThanOrEqual(1_000_000);
      expect(spec.constraints?.max_latency_us, name).toBeLessThanOrEqual(1_000);
      expect(spec.quick, name).toBeDefined();
    }
  });
});

describe('run profile (--quick)', () => {
  it('full runs ignore the quick profile; quick runs take it, else the quick defaults', () => {
    const plain = parseSpec(`${VALID}candidates: { linear: { alpha: [1, 10] } }\n`, FILE, '/specs/demo').spec;
    expect(runProfile(plain, false)).toEqual({
      candidates: { linear: { alpha: [1, 10] } },
      folds: 5,
      shortlist: 3,
      tuningBudget: 8,
      stacking: true,
    });
    expect(runProfile(plain, true)).toEqual({
      candidates: { linear: { alpha: [1, 10] } },
      folds: 3,
      shortlist: 2,
      tuningBudget: 3,
      stacking: true,
    });
    const profiled = parseSpec(
      `${VALID}candidates: { linear: {}, gbdt: {} }\nquick: { candidates: { tree: { max_depth: 4 } }, folds: 2, shortlist: 1, tuning_budget: 2, stacking: false }\n`,
      FILE,
      '/specs/demo',
    ).spec;
    expect(runProfile(profiled, true)).toEqual({
      candidates: { tree: { max_depth: 4 } },
      folds: 2,
      shortlist: 1,
      tuningBudget: 2,
      stacking: false,
    });
    expect(runProfile(profiled, false).candidates).toEqual({ linear: {}, gbdt: {} });
  });
});

describe('cluster_similarity step', () => {
  const step = (fields: string): string =>
    `${VALID}feature_steps:\n  - { op: cluster_similarity, name: geo, columns: [lat, lon]${fields} }\n`;

  it('parses k, gamma and an optional seed', () => {
    const { spec } = parseSpec(step(', k: 10, gamma: 0.5, seed: 7'), FILE, '/specs/demo');
    expect(spec.feature_steps).toEqual([
      { op: 'cluster_similarity', name: 'geo', columns: ['lat', 'lon'], k: 10, gamma: 0.5, seed: 7 },
    ]);
  });

  it.each([
    [', k: 0, gamma: 1', 'feature_steps[0].k'],
    [', k: 2.5, gamma: 1', 'feature_steps[0].k'],
    [', gamma: 1', 'feature_steps[0].k'],
    [', k: 3, gamma: 0', 'feature_steps[0].gamma'],
    [', k: 3, gamma: -1', 'feature_steps[0].gamma'],
    [', k: 3', 'feature_steps[0].gamma'],
    [', k: 3, gamma: 1, seed: 0.5', 'feature_steps[0].seed'],
    [', k: 3, gamma: 1, weight: 2', 'feature_steps[0].weight'],
  ])('rejects %j at %s', (fields, field) => {
    const e = specError(step(fields));
    expect(e.code).toBe(TrainerErrorCodes.SPEC_INVALID);
    expect(e.field).toBe(field);
  });

  it('rejects repeated or no columns', () => {
    expect(specError(step(', k: 3, gamma: 1').replace('[lat, lon]', '[lat, lat]')).field).toBe(
      'feature_steps[0].columns',
    );
    expect(specError(step(', k: 3, gamma: 1').replace('[lat, lon]', '[]')).field).toBe('feature_steps[0].columns');
  });

  it('names an unknown column, and lets later steps read the similarity columns', () => {
    const spec = (extra = ''): ReturnType<typeof parseSpec> =>
      parseSpec(`${step(', k: 2, gamma: 1')}${extra}`, FILE, '/specs/demo');
    try {
      checkSpecColumns(spec(), ['y', 'lat', 'lng']);
      expect.unreachable();
    } catch (err) {
      expect(isOutpostError(err, TrainerErrorCodes.SPEC_COLUMN_UNKNOWN)).toBe(true);
      expect((err as { details: unknown }).details).toMatchObject({
        field: 'feature_steps[0].columns[1]',
        columnName: 'lon',
      });
    }
    expect(() => checkSpecColumns(spec('  - { op: log, columns: [geo_1] }\n'), ['y', 'lat', 'lon'])).not.toThrow();
    expect(() => checkSpecColumns(spec('  - { op: log, columns: [geo_2] }\n'), ['y', 'lat', 'lon'])).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.SPEC_COLUMN_UNKNOWN }),
    );
  });
});

describe('problem spec unions', () => {
  it('names the field inside the branch the user meant', () => {
    const e = specError(`${VALID}features: { include: [a], exlude: [b] }\n`);
    expect(e.field).toBe('features.exlude');
    expect(specError(VALID.replace('target: y', 'target: { column: y, postive: 1 }')).field).toBe('target.postive');
    const sq = specError(VALID.replace('[{ csv: data.csv }]', '[{ sqlite: d.db, table: t, query: "select 1" }]'));
    expect(sq.problem).toBe('give exactly one of table or query');
  });
});
