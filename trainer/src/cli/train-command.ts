import { Command } from 'commander';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { specPathOf, trainSpec } from './train-spec.ts';

interface TrainOptions {
  seed?: string;
  json?: boolean;
  quick?: boolean;
  runs: string;
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(seed)) {
    throw trainerError(TrainerErrorCodes.CLI_ARGS, `--seed must be an integer, got ${JSON.stringify(text)}`, {
      field: 'seed',
      value: text,
    });
  }
  return seed;
}

/** A fresh `train` command (commander commands hold parse state, so each program gets its own). */
export function createTrainCommand(): Command {
  return new Command('train')
    .description('train a problem spec into a run folder (provisional go/no-go on validation)')
    .argument('<spec>', 'a problem spec: problem.yaml, or the folder holding it')
    .option('--seed <n>', "random seed (integer; default the spec's seed)")
    .option('--json', 'print the result summary as JSON')
    .option('--quick', 'smaller models and grids, 3 CV folds')
    .option('--runs <dir>', 'run folder root', 'runs')
    .action(async (spec: string, options: TrainOptions) => {
      const specFile = specPathOf(spec);
      if (!specFile)
        throw trainerError(
          TrainerErrorCodes.SPEC_UNREADABLE,
          `${JSON.stringify(spec)} is neither a problem.yaml nor a folder holding one`,
          { file: spec },
        );
      await trainSpec(specFile, {
        runs: options.runs,
        quick: options.quick,
        json: options.json,
        ...(options.seed !== undefined ? { seed: parseSeed(options.seed) } : {}),
      });
    });
}
