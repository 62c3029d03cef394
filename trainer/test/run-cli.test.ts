import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { trainerCommands } from '../src/index.ts';
import { runFolderName, specPathOf } from '../src/cli/train-spec.ts';
import { tempDir } from './helpers.ts';
import { QUICK_CANDIDATES, regressionFixture } from './run-fixtures.ts';

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
beforeEach(() => {
  tmp = tempDir();
});
afterEach(() => tmp.cleanup());

describe('outpost train <spec> / outpost test <run>', () => {
  it('trains from a spec into <runs>/<name>/<stamp>-<seed>, prints JSON, then tests the run', async () => {
    const { spec } = regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES });
    const runs = join(tmp.dir, 'runs');
    const r = await run(['train', spec, '--quick', '--runs', runs, '--seed', '8', '--json']);
    const summary = JSON.parse(r.out) as {
      runDir: string;
      seed: number;
      decision: { go: boolean };
      table: { name: string }[];
    };
    expect(r.exitCode).toBeUndefined(); // go → exit 0
    expect(summary.seed).toBe(8);
    expect(summary.decision.go).toBe(true);
    expect(summary.runDir).toMatch(new RegExp(`runs/synth/\\d{8}-\\d{6}-8$`));
    expect(summary.table.map((t) => t.name)).toContain('mean');
    expect(readdirSync(join(runs, 'synth'))).toHaveLength(1);
    const t = await run(['test', summary.runDir]);
    expect(t.out).toMatch(/test\s+rmse [\d.]+ \(95% CI/);
    expect(t.out).toContain('decision  GO (final, on the locked test set)');
    expect(t.exitCode).toBeUndefined();
  });

  it('a folder holding problem.yaml is a spec; the text summary shows the table; no-go exits 3', async () => {
    regressionFixture(tmp.dir, { extra: QUICK_CANDIDATES, threshold: 0.01 });
    const r = await run(['train', tmp.dir, '--quick', '--runs', join(tmp.dir, 'runs')]);
    expect(r.out).toMatch(/candidate\s+cv rmse \(mean ± std\)/);
    expect(r.out).toMatch(/mean\s+[\d.]+ ± [\d.]+\s+\(baseline\)/);
    expect(r.out).toContain('NO-GO (provisional, on validation)');
    expect(r.exitCode).toBe(3);
    const runDir = join(tmp.dir, 'runs', 'synth', readdirSync(join(tmp.dir, 'runs', 'synth'))[0] as string);
    const t = await run(['test', runDir]);
    expect(t.exitCode).toBe(3);
    expect(existsSync(join(runDir, 'test-test.json'))).toBe(true);
  });

  it('recognises spec arguments and names run folders by time and seed', () => {
    expect(specPathOf('housing')).toBeUndefined();
    expect(specPathOf('x/problem.yaml')).toMatch(/x\/problem\.yaml$/);
    expect(runFolderName(new Date(2024, 0, 2, 3, 4, 5), 42)).toBe('20240102-030405-42');
  });
});
