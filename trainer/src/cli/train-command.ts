import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { trainHousing, type TrainResult } from '../housing.ts';
import { loadOrCreateKeyPair } from '@outpost/protocol/node';
import { specPathOf, trainSpec } from './train-spec.ts';
import { defineTrainCommand, type TrainOptions } from './index.ts';

/** The repository's copy of the housing data, found relative to this package. */
export const DEFAULT_HOUSING_CSV = fileURLToPath(
  new URL('../../datasets/california-housing/housing.csv', import.meta.url),
);

const DATASETS = ['housing'] as const;

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

/** The action of `outpost train`: a spec run, or the housing dataset. */
export async function trainAction(dataset: string, options: TrainOptions): Promise<void> {
  const specFile = specPathOf(dataset);
  if (specFile) {
    await trainSpec(specFile, {
      runs: options.runs,
      quick: options.quick,
      json: options.json,
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
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
  const result = await trainHousing({
    csvPath: resolve(options.data ?? DEFAULT_HOUSING_CSV),
    outRoot: resolve(options.out),
    keys: loadOrCreateKeyPair(resolve(options.keys)),
    seed: options.seed ?? 42,
    onProgress: options.json ? undefined : (msg) => console.error(msg),
  });
  if (options.json) console.log(JSON.stringify(summary(result), null, 2));
  else printTable(result);
}

/** A fresh `train` command (commander commands hold parse state, so each program gets its own). */
export function createTrainCommand(): Command {
  return defineTrainCommand(trainAction);
}
