import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CliErrorCodes } from '@outpost/protocol';
import { TrainerErrorCodes, trainerCommands } from '../src/index.ts';
import { tempDir } from './helpers.ts';

async function run(args: string[]): Promise<string> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    const program = new Command('outpost').exitOverride();
    for (const c of trainerCommands()) program.addCommand(c.exitOverride());
    await program.parseAsync(args, { from: 'user' });
    return lines.join('\n');
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

describe('outpost train', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.cleanup());

  it('needs a spec: no argument is a usage error, an argument that is no spec a coded error', async () => {
    await expect(run(['train'])).rejects.toMatchObject({ code: 'commander.missingArgument' });
    await expect(run(['train', 'housing'])).rejects.toMatchObject({ code: TrainerErrorCodes.SPEC_UNREADABLE });
    await expect(run(['train', join(tmp.dir, 'nowhere')])).rejects.toMatchObject({
      code: TrainerErrorCodes.SPEC_UNREADABLE,
    });
  });

  it('rejects a non-integer seed with a coded error before training', async () => {
    const spec = join(tmp.dir, 'problem.yaml');
    writeFileSync(spec, 'not read: the seed is checked first\n');
    await expect(run(['train', spec, '--seed', '1.5'])).rejects.toMatchObject({
      code: CliErrorCodes.CLI_ARGS,
    });
  });
});
