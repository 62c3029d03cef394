import { existsSync } from 'node:fs';
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

  it('trains the housing model and prints a JSON summary', async () => {
    const out = join(tmp.dir, 'fm');
    const keys = join(tmp.dir, 'keys');
    const summary = JSON.parse(
      await run(['train', 'housing', '--out', out, '--keys', keys, '--seed', '7', '--json']),
    ) as Record<string, unknown>;
    expect(summary).toMatchObject({ name: 'housing', version: 1, artifactDir: join(out, 'housing', '1') });
    expect(Object.keys(summary).sort()).toEqual(['artifactDir', 'artifactId', 'cv', 'name', 'version']);
    expect(existsSync(join(keys, 'signing.key'))).toBe(true);
    const table = await run(['train', '--out', out, '--keys', keys]);
    expect(table).toMatch(/ridge\s+6\d,\d{3} ± /);
    expect(table).toContain(join(out, 'housing', '2'));
  });

  it('rejects an unknown dataset and a non-integer seed with coded errors', async () => {
    await expect(run(['train', 'titanic', '--out', tmp.dir])).rejects.toMatchObject({
      code: TrainerErrorCodes.DATASET_UNKNOWN,
    });
    await expect(run(['train', '--seed', '1.5', '--out', tmp.dir])).rejects.toMatchObject({
      code: CliErrorCodes.CLI_ARGS,
    });
  });
});
