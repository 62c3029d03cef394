/**
 * The spec path of `outpost train <spec.yaml | firmware-models/<name>>`: runs `runTraining` into
 * `<runs>/<name>/<yyyymmdd-hhmmss>-<seed>`, prints progress on stderr and a summary table (or
 * `--json`), and exits 0 on a provisional go, 3 on a no-go. Also the spec-aware `outpost test`,
 * whose exit code carries the final decision the same way.
 */
import { progressSink } from './progress.ts';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ExitCode } from '@outpost/protocol/node';
import { testAction } from './test-command.ts';
import { defineTestCommand, type TestOptions } from './index.ts';
import { loadSpec } from '../spec/load-spec.ts';
import { evaluateRun, finalDecision } from '../run/evaluate-test.ts';
import { runTraining, type TrainingRunResult } from '../run/run-training.ts';
import { formatScore, formatTable } from '../run/select.ts';

/** `outpost train` and `outpost test` exit with this on a no-go (the kit's `ExitCode.NO_GO`). */
export const EXIT_NO_GO = ExitCode.NO_GO;

/** A spec file, or a folder holding problem.yaml; undefined when `arg` is neither. */
export function specPathOf(arg: string): string | undefined {
  const p = resolve(arg);
  if (/\.ya?ml$/i.test(arg)) return p;
  if (existsSync(p) && statSync(p).isDirectory() && existsSync(join(p, 'problem.yaml'))) return join(p, 'problem.yaml');
  return undefined;
}

export function runFolderName(date: Date, seed: number): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  const stamp = `${date.getFullYear()}${two(date.getMonth() + 1)}${two(date.getDate())}-${two(date.getHours())}${two(date.getMinutes())}${two(date.getSeconds())}`;
  return `${stamp}-${seed}`;
}

export interface TrainSpecOptions {
  runs?: string;
  seed?: number;
  quick?: boolean;
  json?: boolean;
}

export function runSummary(r: TrainingRunResult): Record<string, unknown> {
  return {
    name: r.name,
    runDir: r.runDir,
    seed: r.seed,
    metric: r.metric,
    table: r.table.map((t) => ({
      name: t.name,
      mean: t.cv.mean,
      std: t.cv.std,
      ...(t.baseline ? { baseline: true } : {}),
      ...(t.members ? { members: t.members } : {}),
    })),
    failures: r.failures,
    tuning: r.tuning.map((t) => ({
      candidate: t.candidate,
      method: t.method,
      trials: t.tried,
      space: t.space,
      defaultScore: t.defaultScore,
      bestScore: t.bestScore,
      best: t.best,
    })),
    chosen: r.chosen,
    decision: r.decision,
    weakest: r.errors.findings,
  };
}

export async function trainSpec(specFile: string, options: TrainSpecOptions): Promise<TrainingRunResult> {
  const loaded = loadSpec(specFile);
  const seed = options.seed ?? loaded.spec.seed;
  const runDir = resolve(options.runs ?? 'runs', loaded.spec.name, runFolderName(new Date(), seed));
  const progress = progressSink();
  const result = await runTraining(loaded, {
    seed,
    runDir,
    quick: options.quick ?? false,
    onProgress: options.json ? undefined : progress,
  });
  progress.done();
  if (options.json) console.log(JSON.stringify(runSummary(result), null, 2));
  else {
    const m = result.metric;
    for (const l of formatTable(result.table, m)) console.log(l);
    console.log('');
    console.log(
      `chosen    ${result.chosen.name} — validation ${m} ${formatScore(result.chosen.validation, m)} (baseline ${formatScore(result.baseline.validation, m)})`,
    );
    for (const f of result.errors.findings.slice(0, 3)) console.log(`weakest   ${f}`);
    console.log(`decision  ${result.decision.go ? 'GO' : 'NO-GO'} (provisional, on validation)`);
    for (const reason of result.decision.reasons) console.log(`          ${reason}`);
    console.log(`run       ${result.runDir}`);
    console.log(`report    ${join(result.runDir, 'report.html')}`);
    console.log(`next      outpost test ${result.runDir}   (opens the locked test set once)`);
  }
  if (!result.decision.go) process.exitCode = EXIT_NO_GO;
  return result;
}

/** The action of `outpost test` with the run evaluator wired in; a final no-go on the test set exits 3. */
export async function specTestAction(run: string, options: TestOptions): Promise<void> {
  await testAction(run, options, { evaluate: evaluateRun });
  const t = finalDecision(run);
  if (!t) return;
  if (!options.json) {
    if (t.metrics)
      console.log(
        `metrics   ${Object.entries(t.metrics)
          .map(([k, v]) => `${k} ${v.toPrecision(4)}`)
          .join('  ')}`,
      );
    if (t.predictions) console.log(`predictions ${join(resolve(run), t.predictions)}`);
    console.log(`decision  ${t.decision.go ? 'GO' : 'NO-GO'} (final, on the locked test set)`);
    for (const reason of t.decision.reasons) console.log(`          ${reason}`);
    for (const f of t.errors.findings.slice(0, 3)) console.log(`weakest   ${f}`);
  }
  if (!t.decision.go) process.exitCode = EXIT_NO_GO;
}

/** `outpost test` with the run evaluator wired in. */
export function createSpecTestCommand(): Command {
  return defineTestCommand(specTestAction);
}
