import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TrainerErrorCodes } from '../src/errors.ts';
import { createTestCommand, type RunEvaluator } from '../src/cli/test-command.ts';
import { TestLedger, ledgerPathFor } from '../src/data/ledger.ts';
import type { SpecData, Table } from '../src/data/load.ts';
import { openTestSet, readLockedTestSets, splitAndLock, writeLockedTestSets } from '../src/data/locked-test.ts';
import { meanLearner } from '../src/models/baseline.ts';
import { matrix, type Matrix } from '../src/models/learner.ts';
import { ProblemSpec } from '../src/spec/problem-spec.ts';
import { tempDir } from './helpers.ts';

const N = 200;

function data(): SpecData {
  const train: Table = {
    source: 'synthetic.csv',
    rowCount: N,
    columns: [
      { kind: 'numeric', name: 'id', values: Float64Array.from({ length: N }, (_, i) => 1000 + i) },
      {
        kind: 'categorical',
        name: 'kind',
        values: Array.from({ length: N }, (_, i) => (i % 3 === 0 ? 'x, "quoted"' : 'y')),
      },
      { kind: 'numeric', name: 'y', values: Float64Array.from({ length: N }, (_, i) => (i % 7 === 0 ? NaN : i * 0.1)) },
    ],
    lines: Array.from({ length: N }, (_, i) => i + 2),
  };
  return { train, extraTests: [], kinds: new Map(), sources: [] };
}

const spec = ProblemSpec.parse({
  name: 't',
  objective: 'o',
  task: 'regression',
  data: [{ csv: 'x.csv' }],
  target: 'y',
  metric: 'rmse',
  split: { test: 0.25, validation: 0.25 },
  seed: 9,
});

/** The id column as the design matrix: each row's fingerprint is its id. */
function idMatrix(t: Table, rows: number[]): Matrix {
  const ids = t.columns[0]?.values as Float64Array;
  return matrix(
    Float64Array.from(rows, (r) => ids[r] as number),
    1,
  );
}

describe('locked test set', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('no test row reaches a learner fit (instrumented fit)', async () => {
    const split = splitAndLock(data(), spec);
    expect(split.table.rowCount).toBe(150);
    expect(split.test.rowCount).toBe(50);
    expect(JSON.stringify(split.test)).not.toContain('1000'); // the opaque set serialises without rows
    const seen = new Set<number>();
    const instrumented: typeof meanLearner = {
      ...meanLearner,
      async fit(x, y, params, ctx) {
        for (let i = 0; i < x.rows; i++) seen.add(x.data[i * x.cols] as number);
        if (ctx.validation)
          for (let i = 0; i < ctx.validation.x.rows; i++) seen.add(ctx.validation.x.data[i] as number);
        return meanLearner.fit(x, y, params, ctx);
      },
    };
    const y = Float64Array.from(split.train, (r) => r);
    await instrumented.fit(
      idMatrix(split.table, split.train),
      y,
      {},
      {
        task: 'regression',
        seed: 1,
        validation: { x: idMatrix(split.table, split.validation), y: new Float64Array(split.validation.length) },
      },
    );
    expect(seen.size).toBe(150);
    const testIds: number[] = [];
    const ledger = new TestLedger(join(tmp.dir, 'test-ledger.jsonl'));
    await openTestSet(ledger, split.test, { run: 'r1', model: 'mean' }, (rows) => {
      testIds.push(...(rows.columns[0]?.values as Float64Array));
      return { metric: 'rmse', value: 1 };
    });
    expect(testIds).toHaveLength(50);
    for (const id of testIds) expect(seen.has(id)).toBe(false);
    expect(new Set([...seen, ...testIds]).size).toBe(N);
  });

  it('writes the rows aside with their hash and reads them back; a changed byte is caught', () => {
    const split = splitAndLock(data(), spec);
    const run = join(tmp.dir, 'model', 'run-1');
    writeLockedTestSets(run, [split.test]);
    const manifest = JSON.parse(readFileSync(join(run, 'test-set.json'), 'utf8')) as {
      sets: { sha256: string; rows: number }[];
    };
    expect(manifest.sets[0]).toMatchObject({ sha256: split.test.sha256, rows: 50 });
    const [back] = readLockedTestSets(run);
    expect(back?.sha256).toBe(split.test.sha256);
    expect(splitAndLock(data(), spec).test.sha256).toBe(split.test.sha256); // same seed, same set
    const csv = join(run, 'test-set.csv');
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('y', 'z'));
    expect(() => readLockedTestSets(run)).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.TEST_SET_TAMPERED }),
    );
    expect(() => readLockedTestSets(join(tmp.dir, 'model', 'run-2'))).toThrow(
      expect.objectContaining({ code: TrainerErrorCodes.TEST_SET_MISSING }),
    );
  });

  it('records every evaluation; the second of the same set is a repeat with a warning', async () => {
    const split = splitAndLock(data(), spec);
    const ledger = TestLedger.forRun(join(tmp.dir, 'model', 'run-1'));
    expect(ledger.path).toBe(join(tmp.dir, 'model', 'test-ledger.jsonl'));
    const first = await openTestSet(ledger, split.test, { run: 'run-1', model: 'gbdt' }, () => ({
      metric: 'rmse',
      value: 3.5,
      ci: [3, 4],
    }));
    expect(first.entry).toMatchObject({
      run: 'run-1',
      model: 'gbdt',
      testSet: 'test',
      testSetHash: split.test.sha256,
      metric: 'rmse',
      value: 3.5,
      ci: [3, 4],
      evaluation: 1,
      repeat: false,
    });
    expect(first.warning).toBeUndefined();
    const second = await openTestSet(ledger, split.test, { run: 'run-2', model: 'forest' }, () => ({
      metric: 'rmse',
      value: 3.1,
    }));
    expect(second.entry).toMatchObject({ evaluation: 2, repeat: true });
    expect(second.warning).toMatch(/evaluated before.*#2/);
    expect(second.warning).toContain('run-1');
    const failure = new Error('the evaluator failed');
    await expect(
      openTestSet(ledger, split.test, { run: 'run-3', model: 'bad' }, () => Promise.reject(failure)),
    ).rejects.toBe(failure);
    const entries = ledger.entries();
    expect(entries.map((e) => [e.evaluation, e.repeat, e.value])).toEqual([
      [1, false, 3.5],
      [2, true, 3.1],
      [3, true, null],
    ]);
    expect(entries[2]?.error).toBe(failure.message);
    appendFileSync(ledger.path, '{"not": "an entry"}\n');
    expect(() => ledger.entries()).toThrow(
      expect.objectContaining({
        code: TrainerErrorCodes.LEDGER_CORRUPT,
        details: expect.objectContaining({ line: 4 }),
      }),
    );
  });
});

describe('outpost test <run>', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  async function run(args: string[], evaluate?: RunEvaluator): Promise<{ out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
    try {
      const program = new Command('outpost').exitOverride();
      program.addCommand(createTestCommand(evaluate ? { evaluate } : {}).exitOverride());
      await program.parseAsync(args, { from: 'user' });
      return { out: out.join('\n'), err: err.join('\n') };
    } finally {
      log.mockRestore();
      error.mockRestore();
    }
  }

  it('evaluates the locked set through the ledger and warns on the second run', async () => {
    const runDir = join(tmp.dir, 'model', 'run-1');
    writeLockedTestSets(runDir, [splitAndLock(data(), spec).test]);
    const calls: [string, number][] = [];
    const evaluate: RunEvaluator = (dir, rows, set) => {
      calls.push([set, rows.rowCount]);
      expect(dir).toBe(runDir);
      return { metric: 'rmse', value: 2.5 };
    };
    const first = await run(['test', runDir], evaluate);
    expect(first.out).toMatch(/test\s+rmse 2\.50000\s+evaluation #1/);
    expect(first.err).toBe('');
    const second = await run(['test', runDir, '--json', '--model', 'm2'], evaluate);
    const json = JSON.parse(second.out) as { entries: { evaluation: number; repeat: boolean; model: string }[] };
    expect(json.entries[0]).toMatchObject({ evaluation: 2, repeat: true, model: 'm2' });
    expect(second.err).toContain('WARNING');
    expect(calls).toEqual([
      ['test', 50],
      ['test', 50],
    ]);
    expect(readFileSync(ledgerPathFor(runDir), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it("lives beside the run's spec when the run folder names one, so it is versioned with the spec", () => {
    const runDir = join(tmp.dir, 'runs', 'model', 'run-1');
    mkdirSync(runDir, { recursive: true });
    writeFileSync(
      join(runDir, 'run.json'),
      JSON.stringify({ specFile: join(tmp.dir, 'specs', 'model', 'problem.yaml') }),
    );
    expect(ledgerPathFor(runDir)).toBe(join(tmp.dir, 'specs', 'model', 'test-ledger.jsonl'));
    writeFileSync(join(runDir, 'run.json'), '{oops');
    expect(() => ledgerPathFor(runDir)).toThrow(expect.objectContaining({ code: TrainerErrorCodes.RUN_INVALID }));
  });

  it('refuses, without opening the set, when no evaluator is wired', async () => {
    const runDir = join(tmp.dir, 'model', 'run-1');
    writeLockedTestSets(runDir, [splitAndLock(data(), spec).test]);
    await expect(run(['test', runDir])).rejects.toMatchObject({ code: TrainerErrorCodes.TEST_EVALUATOR_MISSING });
    expect(new TestLedger(ledgerPathFor(runDir)).entries()).toEqual([]);
  });
});
