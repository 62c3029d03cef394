/**
 * The field-data acceptance case end to end: an hourly station with DD/MM/YYYY dates, a separate
 * time column and -200 outage codes trains and tests with nothing done outside the spec, and
 * explore names the stuck and the drifting sensors.
 */
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseCsv } from '@outpost/protocol';
import { trainerCommands } from '../src/index.ts';
import { tempDir } from './helpers.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/air-quality/', import.meta.url));

async function run(args: string[]): Promise<{ out: string; exitCode: number | undefined }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  const before = process.exitCode;
  try {
    const program = new Command('outpost').exitOverride();
    for (const c of trainerCommands()) program.addCommand(c.exitOverride());
    await program.parseAsync(args, { from: 'user' });
    return { out: lines.join('\n'), exitCode: process.exitCode as number | undefined };
  } finally {
    process.exitCode = before;
    log.mockRestore();
    err.mockRestore();
  }
}

let tmp: ReturnType<typeof tempDir>;
beforeAll(() => {
  tmp = tempDir();
  for (const f of ['problem.yaml', 'air-quality.csv']) copyFileSync(join(FIXTURE, f), join(tmp.dir, f));
});
afterAll(() => tmp.cleanup());

describe('hourly sensor data, DD/MM/YYYY + time column, -200 missing code', () => {
  it('explore names the stuck column and the drifting one', async () => {
    const r = await run(['explore', join(tmp.dir, 'problem.yaml'), '--out', join(tmp.dir, 'explore.html'), '--json']);
    const summary = JSON.parse(r.out) as { warnings: { kind: string; column?: string }[] };
    expect(summary.warnings.filter((w) => w.kind === 'stuck').map((w) => w.column)).toEqual(['RH']);
    expect(summary.warnings.filter((w) => w.kind === 'drift').map((w) => w.column)).toEqual(['NOx']);
  });

  it('trains, then tests on the newest 20% of hours: predictions.csv and every regression metric', async () => {
    const runs = join(tmp.dir, 'runs');
    const t = await run(['train', join(tmp.dir, 'problem.yaml'), '--runs', runs, '--json']);
    const summary = JSON.parse(t.out) as { runDir: string; chosen: string };
    const test = await run(['test', summary.runDir, '--json']);
    expect(test.out).toContain('"testSet": "test"');
    const record = JSON.parse(readFileSync(join(summary.runDir, 'test-test.json'), 'utf8')) as {
      rows: number;
      value: number;
      metrics: Record<string, number>;
    };
    expect(Object.keys(record.metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
    expect(record.metrics.rmse).toBeCloseTo(record.value, 12);
    expect(record.metrics.r2).toBeGreaterThan(0); // better than the mean on data the model never saw
    const csv = parseCsv(readFileSync(join(summary.runDir, 'predictions.csv'), 'utf8'));
    expect(csv.header).toEqual(['row', 'prediction', 'label']);
    expect(csv.rows).toHaveLength(record.rows);
    // `row` is the row's line in the run's test-set.csv; those rows are the newest hours (parsed
    // as DD/MM/YYYY, not sorted as text) and none has the -200 code as its label.
    const locked = parseCsv(readFileSync(join(summary.runDir, 'test-set.csv'), 'utf8'));
    expect(csv.rows.map((r) => Number(r[0]))).toEqual(locked.lines);
    const date = locked.header.indexOf('Date');
    const day = (text: string): number => {
      const [d, m, y] = text.split('/').map(Number) as [number, number, number];
      return Date.UTC(y, m - 1, d);
    };
    const first = Math.min(...locked.rows.map((r) => day(r[date] as string)));
    expect(first).toBeGreaterThanOrEqual(Date.UTC(2004, 3, 24)); // the last ~15 of 70 days (from 1 March)
    expect(csv.rows.every((r) => Number(r[2]) > 0)).toBe(true);
    expect(existsSync(join(summary.runDir, 'report.html'))).toBe(true);
  });
});
