import type { Command } from 'commander';
import { createTrainCommand } from './cli/train-command.ts';

export { trainHousing, HOUSING, type TrainHousingOptions, type TrainResult } from './housing.ts';
export { loadOrCreateKeyPair } from './keys.ts';
export { TrainerErrorCodes, type TrainerErrorCode } from './errors.ts';

/** The trainer's CLI commands (`train`), fresh instances for the root `outpost` program to add. */
export function trainerCommands(): Command[] {
  return [createTrainCommand()];
}
