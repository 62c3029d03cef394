import type { Command } from 'commander';
import { TrainerErrorCodes, trainerError } from '../errors.ts';
import { specPathOf, trainSpec } from './train-spec.ts';
import { defineTrainCommand, type TrainOptions } from './index.ts';

/** The action of `outpost train`: a run of a problem spec (problem.yaml, or the folder holding it). */
export async function trainAction(spec: string, options: TrainOptions): Promise<void> {
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
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
  });
}

/** A fresh `train` command (commander commands hold parse state, so each program gets its own). */
export function createTrainCommand(): Command {
  return defineTrainCommand(trainAction);
}
