/**
 * `outpost test <run>`: the one explicit step that looks at a run's locked test set. It reads the
 * sets written aside at split time (hash-checked), evaluates the run's saved model on them through
 * `openTestSet`, and records each evaluation in the ledger next to the run; a repeat prints a
 * warning. Loading the saved model is injected (`evaluate`) until the run format lands.
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { usageError } from '@outpost/protocol/node';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { defineTestCommand, type TestOptions } from './index.ts';
import type { Table } from '../data/load.ts';
import { TestLedger, runName, type LedgerEntry } from '../data/ledger.ts';
import { openTestSet, readLockedTestSets, type TestEvaluation } from '../data/locked-test.ts';

/** Evaluates the model saved in `runDir` on the test rows. */
export type RunEvaluator = (runDir: string, rows: Table, setName: string) => TestEvaluation | Promise<TestEvaluation>;

export interface TestCommandDeps {
  evaluate?: RunEvaluator;
}

export interface TestRunResult {
  entries: LedgerEntry[];
  warnings: string[];
}

/** The library form of `outpost test`: evaluates every locked set of the run (or `set`). */
export async function testRun(
  runDir: string,
  evaluate: RunEvaluator,
  options: { model?: string; set?: string } = {},
): Promise<TestRunResult> {
  const dir = resolve(runDir);
  const sets = readLockedTestSets(dir).filter((s) => options.set === undefined || s.name === options.set);
  if (sets.length === 0) throw usageError('--set', `${dir}: no locked test set named ${JSON.stringify(options.set)}`);
  const ledger = TestLedger.forRun(dir);
  const out: TestRunResult = { entries: [], warnings: [] };
  for (const set of sets) {
    const opened = await openTestSet(ledger, set, { run: runName(dir), model: options.model ?? runName(dir) }, (rows) =>
      evaluate(dir, rows, set.name),
    );
    out.entries.push(opened.entry);
    if (opened.warning) out.warnings.push(opened.warning);
  }
  return out;
}

function line(e: LedgerEntry): string {
  const ci = e.ci ? ` (95% CI ${e.ci[0].toPrecision(4)} – ${e.ci[1].toPrecision(4)})` : '';
  return `${e.testSet.padEnd(12)} ${e.metric} ${e.value === null ? 'failed' : e.value.toPrecision(6)}${ci}  evaluation #${e.evaluation}${e.repeat ? ' (REPEAT)' : ''}`;
}

/** The action of `outpost test`; refuses before opening the test set when no evaluator is wired in. */
export async function testAction(run: string, options: TestOptions, deps: TestCommandDeps = {}): Promise<void> {
  const evaluate = deps.evaluate;
  // Refuse before opening: a look at the test set without a result would still count.
  if (!evaluate) {
    throw trainerError(
      TrainerErrorCodes.TEST_EVALUATOR_MISSING,
      'outpost test: no saved-model evaluator is wired in yet',
      {
        run,
      },
    );
  }
  const result = await testRun(run, evaluate, options);
  for (const w of result.warnings) console.error(w);
  if (options.json) console.log(JSON.stringify(result, null, 2));
  else {
    for (const e of result.entries) console.log(line(e));
    console.log(`ledger ${TestLedger.forRun(resolve(run)).path}`);
  }
}

export function createTestCommand(deps: TestCommandDeps = {}): Command {
  return defineTestCommand((run, options) => testAction(run, options, deps));
}
