/**
 * The trainer's commands (`outpost train | explore | test | build`): their definitions only. Each
 * action loads its implementation when it runs, so `outpost --help` loads no training code,
 * onnxruntime or TensorFlow (docs/ARCHITECTURE.md "Running a tier"). A coded error thrown by an
 * action is printed by the program's runner (`runProgram`) as `outpost: CODE: message`.
 */
import { Command } from 'commander';
import { intOption } from '@outpost/protocol/cli';

export interface TrainOptions {
  seed?: number;
  json?: boolean;
  quick?: boolean;
  runs: string;
}

export interface ExploreOptions {
  out?: string;
  json?: boolean;
}

export interface TestOptions {
  model?: string;
  set?: string;
  json?: boolean;
}

/** Kept as text: `buildFromSpec` (the library form of `outpost build`) parses them. */
export interface BuildCliOptions {
  out?: string;
  keys: string;
  seed?: string;
  artifactVersion?: string;
  createdAt?: string;
  runDir?: string;
  /** Build from this run folder's exported model (`outpost train` wrote it): no training. */
  from?: string;
  quick?: boolean;
  json?: boolean;
}

const seedOption = intOption('--seed');

export function defineTrainCommand(action: (spec: string, options: TrainOptions) => Promise<void>): Command {
  return new Command('train')
    .description('train a problem spec into a run folder (provisional go/no-go on validation)')
    .argument('<spec>', 'a problem spec: problem.yaml, or the folder holding it')
    .option('--seed <n>', "random seed (integer; default the spec's seed)", seedOption)
    .option('--json', 'print the result summary as JSON')
    .option(
      '--quick',
      "train the spec's quick profile (fewer, smaller candidates; for trying the path, not for shipping)",
    )
    .option('--runs <dir>', 'run folder root', 'runs')
    .action(action);
}

export function defineExploreCommand(action: (spec: string, options: ExploreOptions) => Promise<void>): Command {
  return new Command('explore')
    .description('explore the data of a problem spec: column statistics, capped values, leakage warnings (HTML report)')
    .argument('<spec>', 'problem spec (firmware-models/<name>/problem.yaml)')
    .option('--out <file>', 'HTML report path (default: reports/<name>-explore.html)')
    .option('--json', 'print the summary as JSON')
    .action(action);
}

export function defineTestCommand(action: (run: string, options: TestOptions) => Promise<void>): Command {
  return new Command('test')
    .description("evaluate a run's model on its locked test set, once, recorded in the test ledger")
    .argument('<run>', 'run folder (holds test-set.json and the saved model)')
    .option('--model <id>', 'model identity for the ledger (default: the run folder name)')
    .option('--set <name>', 'only this locked set (test, extra-test-1, …)')
    .option('--json', 'print the ledger entries as JSON')
    .action(action);
}

export function defineBuildCommand(
  action: (spec: string | undefined, options: BuildCliOptions) => Promise<void>,
): Command {
  return new Command('build')
    .description('train a spec (or take a trained run with --from) and write its signed, reproducible artifact')
    .argument('[spec]', 'firmware-models/<name> (a folder with problem.yaml) or a spec file; not with --from')
    .option(
      '--from <run>',
      'build from a run folder (runs/<model>/<run>): its exported model.onnx and trained model, without retraining',
    )
    .option('--out <dir>', 'artifact root (default: the folder holding the spec folder, e.g. firmware-models)')
    .option('--keys <dir>', 'signing key folder (created when missing)', '.outpost/keys')
    .option('--seed <n>', "random seed (default: the spec's seed)")
    .option(
      '--artifact-version <n>',
      'artifact version (default: the next one; not --version, which the root program owns)',
    )
    .option('--created-at <iso>', 'manifest creation time (default: SOURCE_DATE_EPOCH, else 1970-01-01T00:00:00Z)')
    .option('--run-dir <dir>', 'keep the training run here (default: a temporary folder)')
    .option(
      '--quick',
      "train the spec's quick profile (fewer, smaller candidates; for trying the path, not for shipping)",
    )
    .option('--json', 'print the result as JSON')
    .action(action);
}

/** The trainer's CLI commands, fresh instances for the root `outpost` program to add. */
export function trainerCommands(): Command[] {
  return [
    defineTrainCommand(async (spec, o) => (await import('./train-command.ts')).trainAction(spec, o)),
    defineExploreCommand(async (spec, o) => (await import('./explore-command.ts')).exploreAction(spec, o)),
    defineTestCommand(async (run, o) => (await import('./train-spec.ts')).specTestAction(run, o)),
    defineBuildCommand(async (spec, o) => (await import('./build-command.ts')).buildAction(spec, o)),
  ];
}
