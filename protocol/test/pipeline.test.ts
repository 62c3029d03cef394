/**
 * The apply half of the fitted preprocessing (protocol/src/pipeline): float32 semantics of each
 * step, the device's reading of raw rows, and the coded errors — an unknown step kind is
 * OUTPOST_ERR_PIPELINE_STEP_UNKNOWN (never a crash), a malformed one OUTPOST_ERR_SCHEMA_INVALID,
 * a step meeting the wrong columns OUTPOST_ERR_PIPELINE_STEP_INVALID.
 */
import { describe, expect, it } from 'vitest';
import {
  ErrorCodes,
  INPUT_TRANSFORM_FORMAT,
  PipelineErrorCodes,
  SPEC_PIPELINE_FORMAT,
  applyPipeline,
  applyStep,
  isOutpostError,
  parseInputTransform,
  parsePipeline,
  type FittedPipeline,
  type PipelineStep,
} from '../src/index.ts';
import { frameFromRows } from '../src/pipeline/pipeline.ts';

const f = Math.fround;

const PIPELINE: FittedPipeline = {
  format: SPEC_PIPELINE_FORMAT,
  inputs: [
    { name: 'x', kind: 'numeric' },
    { name: 'y', kind: 'numeric' },
    { name: 'c', kind: 'categorical' },
    { name: 'g', kind: 'categorical' },
  ],
  steps: [
    { op: 'capped', column: 'x', name: 'x_capped', cap: 10 },
    { op: 'impute', column: 'x', kind: 'numeric', fill: 2, indicator: 'x_missing' },
    { op: 'impute', column: 'y', kind: 'numeric', fill: 1, indicator: null },
    { op: 'impute', column: 'c', kind: 'categorical', fill: 'b', indicator: 'c_missing' },
    { op: 'clip', column: 'x', lo: 0, hi: 8 },
    { op: 'ratio', name: 'x_per_y', numerator: 'x', denominator: 'y', fallback: 0.5 },
    { op: 'log', column: 'y', offset: 1 },
    { op: 'bin', column: 'x', name: 'x_bin', edges: [1, 4] },
    { op: 'rotate', name: 'r', x: 'x', y: 'y', cos: f(Math.cos(Math.PI / 6)), sin: f(Math.sin(Math.PI / 6)) },
    { op: 'ordinal', column: 'g', order: ['lo', 'mid', 'hi'] },
    { op: 'onehot', column: 'c', categories: ['a', 'b'] },
  ],
  features: ['x', 'y', 'c=a', 'c=b', 'g', 'x_capped', 'x_missing', 'c_missing', 'x_per_y', 'x_bin', 'r'],
};

describe('applyPipeline', () => {
  it('computes each step in float32, as the ONNX graph does', () => {
    const [row] = [Array.from(applyPipeline(PIPELINE, [{ x: 3.3, y: 0.2, c: 'a', g: 'hi' }]))];
    const x = f(3.3);
    const y = f(0.2);
    const logy = f(Math.log(f(y + 1)));
    expect(row).toEqual([
      x,
      logy,
      1,
      0,
      2,
      0,
      0,
      0,
      f(x / y),
      1,
      f(f(x * f(Math.cos(Math.PI / 6))) + f(logy * f(Math.sin(Math.PI / 6)))),
    ]);
  });

  it('reads rows as the onnxruntime engine feeds them: missing, ±∞ and mistyped values', () => {
    const rows = [
      { x: null, y: 0, c: null, g: 'ultra' }, // impute + indicator, zero denominator → fallback, unseen ordinal
      { x: Number.POSITIVE_INFINITY, y: 'text', c: 7, g: null }, // ∞ and a string for a number → missing; a number for a string → '7' (unseen)
      { x: 12, y: 1, c: '', g: 'lo' }, // capped (raw ≥ cap, before imputation and clip), clipped to 8
    ];
    const d = applyPipeline(PIPELINE, rows as never);
    const w = PIPELINE.features.length;
    const at = (r: number, name: string): number => d[r * w + PIPELINE.features.indexOf(name)] as number;
    expect([at(0, 'x'), at(0, 'x_missing'), at(0, 'x_per_y'), at(0, 'g'), at(0, 'c=b'), at(0, 'c_missing')]).toEqual([
      2, 1, 0.5, -1, 1, 1,
    ]);
    expect([
      at(1, 'x'),
      at(1, 'x_missing'),
      at(1, 'y'),
      at(1, 'c=a'),
      at(1, 'c=b'),
      at(1, 'c_missing'),
      at(1, 'g'),
    ]).toEqual([2, 1, f(Math.log(2)), 0, 0, 0, -1]);
    expect([at(2, 'x_capped'), at(2, 'x'), at(2, 'x_bin'), at(2, 'c=b')]).toEqual([1, 8, 2, 1]);
    expect(frameFromRows(PIPELINE.inputs, [{ c: 1.5 }]).categorical.get('c')).toEqual(['1.5']);
  });

  it('bin edges are inclusive and log is floored, never −∞', () => {
    const p: FittedPipeline = {
      format: SPEC_PIPELINE_FORMAT,
      inputs: [{ name: 'v', kind: 'numeric' }],
      steps: [
        { op: 'bin', column: 'v', name: 'b', edges: [1, 4] },
        { op: 'log', column: 'v', offset: 0 },
        { op: 'scale', mean: [1, 0], std: [2, 1] },
      ],
      features: ['v', 'b'],
    };
    const d = applyPipeline(p, [{ v: 1 }, { v: 0.999 }, { v: 4 }, { v: -3 }]);
    expect([d[1], d[3], d[5], d[7]]).toEqual([1, 0, 2, 0]);
    expect(d[6]).toBe(f(f(f(Math.log(f(1e-6))) - 1) / 2));
  });

  it('an unknown step kind is a coded error, not a crash', () => {
    const frame = frameFromRows(PIPELINE.inputs, [{ x: 1 }]);
    const step = { op: 'polynomial', columns: ['x', 'y'], degree: 2 } as unknown as PipelineStep;
    expect(() => applyStep(step, frame, 4)).toThrow(
      expect.objectContaining({
        code: PipelineErrorCodes.STEP_UNKNOWN,
        details: expect.objectContaining({ op: 'polynomial', index: 4 }),
      }),
    );
  });

  it('a step meeting the wrong columns is PIPELINE_STEP_INVALID', () => {
    const bad = (steps: PipelineStep[], features = ['x']): unknown => {
      try {
        applyPipeline({ ...PIPELINE, steps, features }, [{ x: 1, y: 2, c: 'a', g: 'lo' }]);
      } catch (e) {
        return e;
      }
      return null;
    };
    for (const e of [
      bad([{ op: 'log', column: 'nope', offset: 1 }]),
      bad([{ op: 'log', column: 'c', offset: 1 }]),
      bad([{ op: 'ratio', name: 'y', numerator: 'x', denominator: 'y', fallback: 0 }]),
      bad([{ op: 'scale', mean: [0], std: [1] }]),
      bad([], ['x_missing']),
    ]) {
      expect(isOutpostError(e, PipelineErrorCodes.STEP_INVALID)).toBe(true);
    }
  });
});

describe('cluster_similarity', () => {
  const CENTRES = [
    [f(1.5), f(-2)],
    [f(0.1), f(0.7)],
    [f(-3.3), f(4)],
  ];
  const GAMMA = f(0.35);
  const CLUSTERED: FittedPipeline = {
    format: SPEC_PIPELINE_FORMAT,
    inputs: [
      { name: 'x', kind: 'numeric' },
      { name: 'y', kind: 'numeric' },
    ],
    steps: [
      { op: 'impute', column: 'x', kind: 'numeric', fill: 0.25, indicator: null },
      { op: 'impute', column: 'y', kind: 'numeric', fill: -1, indicator: null },
      { op: 'rotate', name: 'r', x: 'x', y: 'y', cos: f(Math.cos(1)), sin: f(Math.sin(1)) },
      { op: 'cluster_similarity', name: 'geo', columns: ['x', 'r'], centres: CENTRES, gamma: GAMMA },
      { op: 'bin', column: 'geo_1', name: 'near1', edges: [0.5] },
    ],
    features: ['x', 'y', 'r', 'geo_0', 'geo_1', 'geo_2', 'near1'],
  };

  /** exp(−gamma · Σ (x_c − c_c)²), float32 after every operation, columns summed in order. */
  const similarity = (point: number[], centre: number[]): number => {
    const sq = point.map((v, c) => {
      const d = f(v - (centre[c] as number));
      return f(d * d);
    });
    const sum = sq.slice(1).reduce((acc, v) => f(acc + v), sq[0] as number);
    return f(Math.exp(f(sum * -GAMMA)));
  };

  it('adds <name>_0..k-1 after the columns before it, in float32, readable by later steps', () => {
    const rows = [
      { x: 1.4, y: -2.2 },
      { x: 0.1, y: 0.7 },
      { x: null, y: 9.75 },
      { x: -123.456, y: Number.NaN },
    ];
    const d = applyPipeline(CLUSTERED, rows as never);
    const w = CLUSTERED.features.length;
    rows.forEach((row, i) => {
      const x = typeof row.x === 'number' ? f(row.x) : 0.25;
      const y = Number.isFinite(row.y) ? f(row.y) : -1;
      const r = f(f(x * f(Math.cos(1))) + f(y * f(Math.sin(1))));
      const sims = CENTRES.map((c) => similarity([x, r], c));
      expect(Array.from(d.subarray(i * w, (i + 1) * w)), `row ${i}`).toEqual([
        x,
        y,
        r,
        ...sims,
        (sims[1] as number) >= 0.5 ? 1 : 0,
      ]);
      for (const v of sims) expect(v >= 0 && v <= 1).toBe(true);
    });
    // A point on a centre is similarity 1 to it; far away it underflows to 0, never NaN.
    const onCentre = applyPipeline(
      {
        ...CLUSTERED,
        steps: [{ op: 'cluster_similarity', name: 'g', columns: ['x', 'y'], centres: CENTRES, gamma: GAMMA }],
        features: ['g_0', 'g_2'],
      },
      [
        { x: 1.5, y: -2 },
        { x: 1e30, y: -1e30 },
      ],
    );
    expect(Array.from(onCentre)).toEqual([1, similarity([1.5, -2], CENTRES[2] as number[]), 0, 0]);
  });

  it('bad centres shape, a missing or categorical column, or a name clash → PIPELINE_STEP_INVALID', () => {
    const withStep = (step: Record<string, unknown>, features = ['x']): unknown => {
      try {
        applyPipeline(
          {
            ...PIPELINE,
            steps: [
              {
                op: 'cluster_similarity',
                name: 'geo',
                columns: ['x', 'y'],
                centres: [[0, 0]],
                gamma: 1,
                ...step,
              } as PipelineStep,
            ],
            features,
          },
          [{ x: 1, y: 2, c: 'a', g: 'lo' }],
        );
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(withStep({}, ['geo_0'])).toBeNull();
    const cases: [Record<string, unknown>, string][] = [
      [{ centres: [[0, 0], [1]] }, 'centre 1 has 1 coordinates for 2 columns'],
      [{ centres: [[0, 0, 0]] }, 'centre 0 has 3 coordinates for 2 columns'],
      [{ centres: [] }, 'no centres'],
      [{ columns: ['x', 'nope'] }, 'no such column'],
      [{ columns: ['x', 'c'] }, 'the column is categorical, a number is needed'],
    ];
    for (const [step, reason] of cases) {
      const e = withStep(step);
      expect(isOutpostError(e, PipelineErrorCodes.STEP_INVALID), JSON.stringify(step)).toBe(true);
      expect((e as { details: Record<string, unknown> }).details.step).toBe('cluster_similarity');
      expect((e as { details: Record<string, unknown> }).details.reason).toBe(reason);
    }
    // A column it would add already exists (made by a step before it).
    const clash: FittedPipeline = {
      ...CLUSTERED,
      steps: [
        { op: 'ratio', name: 'geo_1', numerator: 'x', denominator: 'y', fallback: 0 },
        { op: 'cluster_similarity', name: 'geo', columns: ['x', 'y'], centres: CENTRES, gamma: GAMMA },
      ],
      features: ['geo_0'],
    };
    expect(() => applyPipeline(clash, [{ x: 1, y: 2 }])).toThrow(
      expect.objectContaining({
        code: PipelineErrorCodes.STEP_INVALID,
        details: expect.objectContaining({ column: 'geo_1' }),
      }),
    );
    // Straight through the dispatcher too.
    const frame = frameFromRows(CLUSTERED.inputs, [{ x: 1, y: 2 }]);
    expect(() =>
      applyStep({ op: 'cluster_similarity', name: 'geo', columns: ['x', 'y'], centres: [[0]], gamma: 1 }, frame, 0),
    ).toThrow(expect.objectContaining({ code: PipelineErrorCodes.STEP_INVALID }));
  });

  it('parsePipeline accepts it from JSON unchanged and refuses a malformed one with SCHEMA_INVALID', () => {
    const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
    expect(parsePipeline(json(CLUSTERED))).toEqual(CLUSTERED);
    const withStep = (step: Record<string, unknown>): unknown =>
      json({
        ...CLUSTERED,
        steps: [{ op: 'cluster_similarity', name: 'geo', columns: ['x', 'y'], centres: [[0, 0]], gamma: 1, ...step }],
      });
    expect(parsePipeline(withStep({})).steps).toHaveLength(1);
    for (const bad of [
      { centres: [[0, 0], [1]] },
      { centres: [] },
      { centres: [[0, '1']] },
      { columns: [] },
      { gamma: 0 },
      { gamma: -1 },
      { k: 3 },
    ]) {
      expect(() => parsePipeline(withStep(bad)), JSON.stringify(bad)).toThrow(
        expect.objectContaining({ code: ErrorCodes.SCHEMA_INVALID }),
      );
    }
  });
});

describe('parsePipeline and parseInputTransform', () => {
  const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

  it('accept a fitted pipeline from JSON unchanged', () => {
    expect(parsePipeline(json(PIPELINE))).toEqual(PIPELINE);
    const t = {
      format: INPUT_TRANSFORM_FORMAT,
      pipeline: PIPELINE,
      output: { task: 'multiclass', probabilities: 'probabilities', label: 'label', classes: 3 },
    };
    expect(parseInputTransform(json(t))).toEqual(t);
  });

  it('an unknown step kind → PIPELINE_STEP_UNKNOWN naming it', () => {
    const future = { ...PIPELINE, steps: [...PIPELINE.steps, { op: 'polynomial', columns: ['x'] }] };
    const err = (() => {
      try {
        return parseInputTransform(
          json({
            format: INPUT_TRANSFORM_FORMAT,
            pipeline: future,
            output: { task: 'regression', prediction: 'prediction' },
          }),
        );
      } catch (e) {
        return e;
      }
    })();
    expect(isOutpostError(err, PipelineErrorCodes.STEP_UNKNOWN)).toBe(true);
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({
      op: 'polynomial',
      index: PIPELINE.steps.length,
    });
  });

  it('malformed known steps and envelopes → SCHEMA_INVALID', () => {
    const withStep = (s: unknown): unknown => json({ ...PIPELINE, steps: [s] });
    for (const v of [
      withStep({ op: 'clip', column: 'x', lo: 3, hi: 1 }),
      withStep({ op: 'bin', column: 'x', name: 'b', edges: [2, 1] }),
      withStep({ op: 'scale', mean: [0], std: [0] }),
      withStep({ op: 'log', column: 'x', offset: 1, base: 10 }),
      withStep({ op: 'impute', column: 'x', kind: 'numeric', fill: 'a', indicator: null }),
      json({ ...PIPELINE, format: 'outpost-spec-pipeline/2' }),
      json({ ...PIPELINE, features: [] }),
    ]) {
      expect(() => parsePipeline(v)).toThrow(expect.objectContaining({ code: ErrorCodes.SCHEMA_INVALID }));
    }
    expect(() =>
      parseInputTransform({
        format: INPUT_TRANSFORM_FORMAT,
        pipeline: PIPELINE,
        output: { task: 'binary', probabilities: 'p', label: 'l' },
      }),
    ).toThrow(expect.objectContaining({ code: ErrorCodes.SCHEMA_INVALID }));
  });
});
