import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testRun } from '../src/cli/test-command.ts';
import { evaluateRun } from '../src/run/evaluate-test.ts';
import { renderModelCard } from '../src/run/report/model-card.ts';
import { renderReport } from '../src/run/report/html.ts';
import { calibrationPlot, residualPlot } from '../src/run/report/svg.ts';
import { loadRunRecord } from '../src/run/run-dir.ts';
import { runTraining } from '../src/run/run-training.ts';
import { loadSpec } from '../src/spec/load-spec.ts';
import { tempDir } from './helpers.ts';
import { QUICK_CANDIDATES, regressionFixture } from './run-fixtures.ts';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('run report and model card', () => {
  it('tells the whole story in one self-contained page, and adds the test section after outpost test', async () => {
    const runDir = join(tmp.dir, 'runs', 'synth', 'r');
    await runTraining(loadSpec(regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES }).spec), { runDir, quick: true });
    const html = readFileSync(join(runDir, 'report.html'), 'utf8');
    for (const h of [
      'Problem',
      'Data',
      'Candidates (cross-validation on the training rows)',
      'Tuning (validation rows only)',
      'Chosen model',
      'Where the model fails (validation)',
      'Test',
    ])
      expect(html).toContain(`<h2>${h}</h2>`);
    expect(html).toContain('Predict y from x1, x2 and cat.');
    expect(html).toContain('The noise is uniform.');
    expect(html).toContain('GO</span> — provisional');
    expect(html).toContain('aria-label="residual plot"');
    expect(html).toContain('Not evaluated yet');
    expect(html).not.toMatch(/<(script|link)\b|src="http/); // self-contained
    const card = readFileSync(join(runDir, 'model-card.md'), 'utf8');
    expect(card).toMatch(/^# Model card: synth/);
    expect(card).toContain('**Decision: GO** (provisional');

    await testRun(runDir, evaluateRun);
    const after = readFileSync(join(runDir, 'report.html'), 'utf8');
    expect(after).not.toContain('Not evaluated yet');
    expect(after).toMatch(/<b>rmse [\d.]+<\/b> \(95% bootstrap CI [\d.]+ – [\d.]+\)/);
    expect(after).toContain('GO</span> — final, on the locked test set');
    expect(readFileSync(join(runDir, 'model-card.md'), 'utf8')).toMatch(/- test rmse: [\d.]+ \(95% CI/);
  });

  it('escapes text from the spec and renders deterministically', async () => {
    const runDir = join(tmp.dir, 'r');
    await runTraining(loadSpec(regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES }).spec), { runDir, quick: true });
    const rec = loadRunRecord(runDir);
    rec.spec.objective = '<script>alert(1)</script>';
    const html = renderReport(rec, []);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>');
    expect(renderReport(rec, [])).toBe(html);
    expect(renderModelCard(rec, [])).toContain('## Candidates (CV)');
  });

  it('plots: residual points and calibration bins as inline SVG', () => {
    const svg = residualPlot([1, 2, 3], [1.5, 2, 2]);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    expect(
      calibrationPlot([
        { predicted: 0.1, observed: 0.2, rows: 5 },
        { predicted: 0.9, observed: 0.8, rows: 5 },
      ]),
    ).toContain('<polyline');
  });
});
