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
  frameFromRows,
  isOutpostError,
  parseInputTransform,
  parsePipeline,
  type FittedPipeline,
  type PipelineStep,
} from '../src/index.ts';

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
    expect(row).toEqual([x, logy, 1, 0, 2, 0, 0, 0, f(x / y), 1, f(f(x * f(Math.cos(Math.PI / 6))) + f(logy * f(Math.sin(Math.PI / 6))))]);
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
    expect([at(0, 'x'), at(0, 'x_missing'), at(0, 'x_per_y'), at(0, 'g'), at(0, 'c=b'), at(0, 'c_missing')]).toEqual([2, 1, 0.5, -1, 1, 1]);
    expect([at(1, 'x'), at(1, 'x_missing'), at(1, 'y'), at(1, 'c=a'), at(1, 'c=b'), at(1, 'c_missing'), at(1, 'g')]).toEqual([2, 1, f(Math.log(2)), 0, 0, 0, -1]);
    expect([at(2, 'x_capped'), at(2, 'x'), at(2, 'x_bin'), at(2, 'c=b')]).toEqual([1, 8, 2, 1]);
    expect(frameFromRows(PIPELINE.inputs, [{ c: 1.5 }]).categorical.get('c')).toEqual(['1.5']);
  });

  it('bin edges are inclusive and log is floored, never −∞', () => {
    const p: FittedPipeline = {
      format: SPEC_PIPELINE_FORMAT,
      inputs: [{ name: 'v', kind: 'numeric' }],
      steps: [{ op: 'bin', column: 'v', name: 'b', edges: [1, 4] }, { op: 'log', column: 'v', offset: 0 }, { op: 'scale', mean: [1, 0], std: [2, 1] }],
      features: ['v', 'b'],
    };
    const d = applyPipeline(p, [{ v: 1 }, { v: 0.999 }, { v: 4 }, { v: -3 }]);
    expect([d[1], d[3], d[5], d[7]]).toEqual([1, 0, 2, 0]);
    expect(d[6]).toBe(f(f(f(Math.log(f(1e-6))) - 1) / 2));
  });

  it('an unknown step kind is a coded error, not a crash', () => {
    const frame = frameFromRows(PIPELINE.inputs, [{ x: 1 }]);
    const step = { op: 'cluster_similarity', name: 'geo', columns: ['x', 'y'], centres: [[0, 0]], gamma: 1 } as unknown as PipelineStep;
    expect(() => applyStep(step, frame, 4)).toThrow(expect.objectContaining({ code: PipelineErrorCodes.STEP_UNKNOWN, details: expect.objectContaining({ op: 'cluster_similarity', index: 4 }) }));
  });

  it('a step meeting the wrong columns is OUTPOST_ERR_PIPELINE_STEP_INVALID', () => {
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

describe('parsePipeline and parseInputTransform', () => {
  const json = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

  it('accept a fitted pipeline from JSON unchanged', () => {
    expect(parsePipeline(json(PIPELINE))).toEqual(PIPELINE);
    const t = { format: INPUT_TRANSFORM_FORMAT, pipeline: PIPELINE, output: { task: 'multiclass', probabilities: 'probabilities', label: 'label', classes: 3 } };
    expect(parseInputTransform(json(t))).toEqual(t);
  });

  it('an unknown step kind → OUTPOST_ERR_PIPELINE_STEP_UNKNOWN naming it', () => {
    const future = { ...PIPELINE, steps: [...PIPELINE.steps, { op: 'cluster_similarity', name: 'geo' }] };
    const err = (() => {
      try {
        return parseInputTransform(json({ format: INPUT_TRANSFORM_FORMAT, pipeline: future, output: { task: 'regression', prediction: 'prediction' } }));
      } catch (e) {
        return e;
      }
    })();
    expect(isOutpostError(err, PipelineErrorCodes.STEP_UNKNOWN)).toBe(true);
    expect((err as { details: Record<string, unknown> }).details).toMatchObject({ op: 'cluster_similarity', index: PIPELINE.steps.length });
  });

  it('malformed known steps and envelopes → OUTPOST_ERR_SCHEMA_INVALID', () => {
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
    expect(() => parseInputTransform({ format: INPUT_TRANSFORM_FORMAT, pipeline: PIPELINE, output: { task: 'binary', probabilities: 'p', label: 'l' } })).toThrow(expect.objectContaining({ code: ErrorCodes.SCHEMA_INVALID }));
  });
});
