/**
 * Scoring a signed artifact as devices run it (docs/MONITORING.md "Retraining"): the committed
 * occupancy v2 build's model.onnx in onnxruntime-web on the later week's rows, binary labels
 * through the graph's `label` output. Its accuracy there is high, and flipping every label turns
 * it into exactly 1 − accuracy — the score comes from the model's outputs, not from the labels alone.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '@outpost/protocol';
import { RetrainErrorCodes } from '../../src/retrain/errors.ts';
import { encodeRows, lossOf, scoreArtifact } from '../../src/retrain/score-artifact.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

describe('scoreArtifact', () => {
  it('scores the committed occupancy build on the later week, and the score follows the labels', async () => {
    const t = parseCsv(readFileSync(join(ROOT, 'trainer', 'datasets', 'occupancy-detection', 'datatest2.csv'), 'utf8'));
    const cells = t.rows.slice(0, 2000).map((r) => Object.fromEntries(t.header.map((h, i) => [h, r[i] ?? ''])));
    const dir = join(ROOT, 'firmware-models', 'occupancy', '2');
    const rows = encodeRows(cells, { task: 'binary', column: 'Occupancy', classes: ['0', '1'] });
    const score = await scoreArtifact(dir, 'accuracy', rows);
    expect(score.value).toBeGreaterThan(0.9);
    expect(score.loss).toBeCloseTo(1 - score.value, 12);

    const flipped = encodeRows(
      cells.map((c) => ({ ...c, Occupancy: c.Occupancy === '1' ? '0' : '1' })),
      { task: 'binary', column: 'Occupancy', classes: ['0', '1'] },
    );
    expect((await scoreArtifact(dir, 'accuracy', flipped)).value).toBeCloseTo(1 - score.value, 12);
    expect(lossOf('rmse', 5)).toBe(5);
  });

  it('refuses a label outside the classes', () => {
    expect(() => encodeRows([{ y: 'maybe' }], { task: 'binary', column: 'y', classes: ['no', 'yes'] })).toThrow(
      expect.objectContaining({ code: RetrainErrorCodes.RETRAIN_FRESH_INVALID }),
    );
  });
});
