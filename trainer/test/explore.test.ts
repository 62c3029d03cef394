import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { describe, expect, it, vi } from 'vitest';
import { exploreCommand } from '../src/cli/explore-command.ts';
import type { Table } from '../src/data/load.ts';
import { oneFeatureAccuracy, pearson, correlationRatio, pureRunAtEnds } from '../src/explore/association.ts';
import { cappedAtMax, columnStats } from '../src/explore/column-stats.ts';
import { renderExploreHtml } from '../src/explore/html.ts';
import { exploreSummary } from '../src/explore/summary.ts';
import { ProblemSpec } from '../src/spec/problem-spec.ts';
import { tempDir } from './helpers.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function synthetic(n: number): Table {
  const x = Float64Array.from({ length: n }, (_, i) => (i * 37) % 101);
  const y = Float64Array.from(x, (v, i) => Math.min(2 * v + (i % 5), 150));
  return {
    source: 'synthetic',
    rowCount: n,
    columns: [
      { kind: 'numeric', name: 'row', values: Float64Array.from({ length: n }, (_, i) => i + 1) },
      { kind: 'numeric', name: 'x', values: x },
      { kind: 'categorical', name: 'c', values: Array.from({ length: n }, (_, i) => (i % 4 === 0 ? '<b>' : 'plain')) },
      { kind: 'numeric', name: 'y', values: y },
    ],
    lines: Array.from({ length: n }, (_, i) => i + 2),
  };
}

const regSpec = ProblemSpec.parse({
  name: 'syn',
  objective: 'o',
  task: 'regression',
  data: [{ csv: 'x.csv' }],
  target: 'y',
  metric: 'rmse',
  features: { exclude: ['row'] },
});

describe('explore statistics', () => {
  it('computes known answers', () => {
    expect(pearson([1, 2, 3, NaN], [2, 4, 6, 100])).toBeCloseTo(1, 12);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 12);
    expect(correlationRatio(['a', 'a', 'b', 'b'], [1, 1, 3, 3])).toBeCloseTo(1, 12);
    expect(correlationRatio(['a', 'b', 'a', 'b'], [1, 1, 3, 3])).toBeCloseTo(0, 12);
    const s = columnStats({ kind: 'numeric', name: 'v', values: Float64Array.from([1, 2, 3, 4, NaN]) });
    expect(s).toMatchObject({
      count: 4,
      missing: 1,
      distinct: 4,
      min: 1,
      max: 4,
      mean: 2.5,
      quantiles: { p50: 2.5, p25: 1.75 },
    });
    expect(s.histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    // A threshold at 2.5 separates these perfectly; a majority rule on 'k' gets 3 of 4.
    expect(
      oneFeatureAccuracy(
        { kind: 'numeric', name: 'v', values: Float64Array.from([1, 2, 3, 4]) },
        Float64Array.from([0, 0, 1, 1]),
        2,
      ),
    ).toBe(1);
    expect(
      oneFeatureAccuracy(
        { kind: 'categorical', name: 'k', values: ['a', 'a', 'b', 'b'] },
        Float64Array.from([0, 1, 1, 1]),
        2,
      ),
    ).toBe(0.75);
    expect(pureRunAtEnds(Float64Array.from([5, 1, 2, 3, 4]), Float64Array.from([0, 1, 1, 1, 0]))).toEqual({
      side: 'low',
      bound: 3,
      rows: 3,
      classIndex: 1,
    });
  });

  it('flags a spike at the maximum only when the next value down is rare', () => {
    const capped = Float64Array.from([
      ...Array.from({ length: 190 }, (_, i) => i),
      195,
      200,
      200,
      200,
      200,
      200,
      200,
      200,
      200,
      200,
    ]).sort();
    expect(cappedAtMax(capped)).toMatchObject({ value: 200, count: 9, below: { value: 195, count: 1 } });
    const plain = Float64Array.from(Array.from({ length: 200 }, (_, i) => i % 10)).sort();
    expect(cappedAtMax(plain)).toBeUndefined();
  });
});

describe('explore report', () => {
  it('summarises columns and renders a self-contained page', () => {
    const summary = exploreSummary(regSpec, synthetic(500));
    expect(summary.columns.map((c) => c.role)).toEqual(['excluded', 'feature', 'feature', 'target']);
    expect(summary.warnings.find((w) => w.column === 'y')?.kind).toBe('capped');
    expect(summary.warnings.find((w) => w.column === 'x')?.kind).toBe('leak-feature'); // y ≈ 2x
    const html = renderExploreHtml(exploreSummary(regSpec, synthetic(500)));
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src="http|href="http/);
    expect(html).toContain('&lt;b&gt;');
    expect(html).not.toContain('<b>&lt;');
  });

  it('raises the shipping ID leak and the housing capped target on the shipped specs', async () => {
    const tmp = tempDir();
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
    try {
      const run = async (args: string[]): Promise<void> => {
        const program = new Command('outpost').exitOverride();
        program.addCommand(exploreCommand().exitOverride());
        await program.parseAsync(args, { from: 'user' });
      };
      const shipOut = join(tmp.dir, 'ship.html');
      await run(['explore', join(REPO, 'firmware-models/shipping/problem.yaml'), '--out', shipOut]);
      expect(existsSync(shipOut)).toBe(true);
      const text = lines.join('\n');
      expect(text).toContain(`report   ${shipOut}`);
      expect(text).toMatch(/WARNING\s+\[leak-id\].*ID.*rows with ID ≤ 3135/);
      expect(readFileSync(shipOut, 'utf8')).toContain('ID ≤ 3135');
      lines.length = 0;
      await run([
        'explore',
        join(REPO, 'firmware-models/housing/problem.yaml'),
        '--out',
        join(tmp.dir, 'h.html'),
        '--json',
      ]);
      const json = JSON.parse(lines.join('\n')) as {
        report: string;
        rows: number;
        warnings: { kind: string; column?: string }[];
        columns: { name: string; capped?: { value: number } }[];
      };
      // The locked test rows are not explored: 20% per income stratum, rounded per stratum = 4127.
      expect(json.rows).toBe(20640 - 4127);
      expect(json.warnings).toContainEqual(expect.objectContaining({ kind: 'capped', column: 'median_house_value' }));
      expect(json.columns.find((c) => c.name === 'median_house_value')?.capped?.value).toBe(500001);
    } finally {
      log.mockRestore();
      tmp.cleanup();
    }
  });
});
