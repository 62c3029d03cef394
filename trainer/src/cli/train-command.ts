import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { trainHousing, type TrainResult } from '../housing.ts';
import { loadOrCreateKeyPair } from '@outpost/protocol/node';
import { specPathOf, trainSpec } from './train-spec.ts';

/** The repository's copy of the housing data, found relative to this package. */
export const DEFAULT_HOUSING_CSV = fileURLToPath(
  new URL('../../datasets/california-housing/housing.csv', import.meta.url),
);

const DATASETS = ['housing'] as const;

interface TrainOptions {
  data?: string;
  out: string;
  keys: string;
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

export function summary(r: TrainResult): {
  name: string;
  version: number;
  artifactDir: string;
  artifactId: string;
  cv: TrainResult['cv'];
} {
  return { name: r.name, version: r.version, artifactDir: r.artifactDir, artifactId: r.artifactId, cv: r.cv };
}

function printTable(r: TrainResult): void {
  const fmt = (s: { mean: number; std: number }): string =>
    `${Math.round(s.mean).toLocaleString('en-US')} ± ${Math.round(s.std).toLocaleString('en-US')}`;
  console.log(`model     ${r.name} v${r.version}`);
  console.log(`cv rmse   baseline ${fmt(r.cv.baseline)}`);
  console.log(`          ridge    ${fmt(r.cv.linear)}`);
  console.log(`rows      ${r.trainRowCount} training, ${r.testRowCount} held out`);
  console.log(`artifact  ${r.artifactDir}`);
  console.log(`id        ${r.artifactId}`);
}

/** A fresh `train` command (commander commands hold parse state, so each program gets its own). */
export function createTrainCommand(): Command {
  return new Command('train')
    .description('train a model on a dataset and write a signed artifact')
    .argument(
      '[dataset]',
      `a problem spec (problem.yaml, or its folder) or a dataset (${DATASETS.join(', ')})`,
      'housing',
    )
    .option('--data <csv>', 'CSV file (default: the repository copy of the dataset)')
    .option('--out <dir>', 'artifact root folder', 'firmware-models')
    .option('--keys <dir>', 'signing key folder (created when missing)', '.outpost/keys')
    .option('--seed <n>', "random seed (integer; default 42, or the spec's seed)")
    .option('--json', 'print the result summary as JSON')
    .option('--quick', 'spec runs: smaller models and grids, 3 CV folds')
    .option('--runs <dir>', 'spec runs: run folder root', 'runs')
    .action(async (dataset: string, options: TrainOptions) => {
      const specFile = specPathOf(dataset);
      if (specFile) {
        await trainSpec(specFile, {
          runs: options.runs,
          quick: options.quick,
          json: options.json,
          ...(options.seed !== undefined ? { seed: parseSeed(options.seed) } : {}),
        });
        return;
      }
      if (!(DATASETS as readonly string[]).includes(dataset)) {
        throw trainerError(
          TrainerErrorCodes.DATASET_UNKNOWN,
          `unknown dataset ${JSON.stringify(dataset)}; known: ${DATASETS.join(', ')}`,
          { dataset },
        );
      }
      const seed = parseSeed(options.seed ?? '42');
      const result = await trainHousing({
        csvPath: resolve(options.data ?? DEFAULT_HOUSING_CSV),
        outRoot: resolve(options.out),
        keys: loadOrCreateKeyPair(resolve(options.keys)),
        seed,
        onProgress: options.json ? undefined : (msg) => console.error(msg),
      });
      if (options.json) console.log(JSON.stringify(summary(result), null, 2));
      else printTable(result);
    });
}

export const trainCommand = createTrainCommand();
