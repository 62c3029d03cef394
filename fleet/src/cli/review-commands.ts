/**
 * The review-queue commands (docs/MONITORING.md "Review queue"): `outpost review list | label`.
 * Definitions only; each action loads its implementation when it runs.
 */
import { Command, Option } from 'commander';
import { commandAction, idOption, type CommandContext } from '@outpost/protocol/cli';

const DEFAULT_DATA_DIR = '.outpost/fleet';

export function reviewCommands(ctx: CommandContext): Command[] {
  const list = new Command('list')
    .description('low-confidence predictions devices forwarded with their inputs, oldest first')
    .option('--model <name>', 'only this model', idOption('--model'))
    .option('--device <id>', 'only this device', idOption('--device'))
    .addOption(new Option('--state <state>', 'only this state').choices(['pending', 'labelled']))
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .option('--json', 'print JSON')
    .action(
      commandAction(ctx, async (opts: import('./run-review.ts').ReviewListOptions) =>
        (await import('./run-review.ts')).runReviewList(opts, ctx),
      ),
    );
  const label = new Command('label')
    .description("label a review item: ground truth for its prediction (the first reviewer's label stands; audited)")
    .argument('<device>', 'device id', idOption('device'))
    .argument('<predictionId>', 'the prediction id')
    .argument('<label>', 'the ground truth: a number or a class name')
    .option('--by <name>', 'who labels (default: the OS user)')
    .option('--data-dir <dir>', 'fleet data folder', DEFAULT_DATA_DIR)
    .action(
      commandAction(
        ctx,
        async (device: string, predictionId: string, value: string, opts: { dataDir: string; by?: string }) =>
          (await import('./run-review.ts')).runReviewLabel(device, predictionId, value, opts, ctx),
      ),
    );
  return [new Command('review').description('the review queue').addCommand(list).addCommand(label)];
}
