import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testMetrics, writePredictions } from '../src/run/test-outputs.ts';
import { tempDir } from './helpers.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('outpost test outputs', () => {
  it('regression: RMSE, MAE and R² with known values', () => {
    const m = testMetrics('regression', Float64Array.from([1, 2, 3, 4]), Float64Array.from([1, 2, 3, 6]));
    expect(m.rmse).toBeCloseTo(1, 12);
    expect(m.mae).toBeCloseTo(0.5, 12);
    expect(m.r2).toBeCloseTo(1 - 4 / 5, 12);
  });

  it('binary: accuracy, F1, precision, recall at the run threshold, AUC from the scores', () => {
    const y = Float64Array.from([0, 0, 1, 1]);
    const p = Float64Array.from([0.1, 0.6, 0.4, 0.9]);
    expect(testMetrics('binary', y, p)).toEqual({ accuracy: 0.5, f1: 0.5, precision: 0.5, recall: 0.5, auc: 0.75 });
    expect(testMetrics('binary', y, p, 0.3)).toMatchObject({ accuracy: 0.75, recall: 1 });
  });

  it('writes one line per row: row id, prediction, label (and the score for binary)', () => {
    writePredictions(tmp.dir, 'test', {
      lines: [2, 3, 4],
      y: Float64Array.from([0, 1, 1]),
      predictions: Float64Array.from([0.2, 0.7, 0.4]),
      classes: ['no', 'yes, really'],
    });
    expect(readFileSync(join(tmp.dir, 'predictions.csv'), 'utf8')).toBe(
      'row,prediction,label,score\n2,no,no,0.2\n3,"yes, really","yes, really",0.7\n4,no,"yes, really",0.4\n',
    );
    writePredictions(tmp.dir, 'extra-test-1', {
      lines: [2],
      y: Float64Array.from([1.5]),
      predictions: Float64Array.from([1.25]),
    });
    expect(readFileSync(join(tmp.dir, 'predictions-extra-test-1.csv'), 'utf8')).toBe(
      'row,prediction,label\n2,1.25,1.5\n',
    );
  });
});
