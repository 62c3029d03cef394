import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CliErrorCodes, ErrorCodes, OutpostError } from '../src/index.ts';
import { ExitCode, intOption, runAction, runProgram, usageError, type CliIO } from '../src/node/cli/index.ts';

interface Captured extends CliIO {
  out: (t: string) => void;
  lines: string[];
  exitCode?: number;
}

function capture(): Captured {
  const io: Captured = {
    lines: [],
    out: (t) => io.lines.push(t),
    err: (t) => io.lines.push(t),
    setExitCode: (c) => (io.exitCode = c),
  };
  return io;
}

describe('runAction', () => {
  it('exits 0 when the body returns nothing, and the code it returns otherwise', async () => {
    const ok = capture();
    expect(await runAction(() => {}, ok)).toBe(ExitCode.OK);
    expect(ok.exitCode).toBe(0);
    const noGo = capture();
    expect(await runAction(async () => ExitCode.NO_GO, noGo)).toBe(3);
    expect(noGo.exitCode).toBe(3);
    expect(noGo.lines).toEqual([]);
  });

  it('prints a coded failure as one line without a stack trace and exits 1; a usage error exits 2', async () => {
    const failed = capture();
    await runAction(() => {
      throw new OutpostError(ErrorCodes.HASH_MISMATCH, 'model.onnx is not what the manifest says');
    }, failed);
    expect(failed.exitCode).toBe(ExitCode.FAILURE);
    expect(failed.lines).toEqual([`outpost: ${ErrorCodes.HASH_MISMATCH}: model.onnx is not what the manifest says`]);

    const usage = capture();
    await runAction(() => Promise.reject(usageError('--port', 'must be a port')), usage);
    expect(usage.exitCode).toBe(ExitCode.USAGE);
    expect(usage.lines).toEqual([`outpost: ${CliErrorCodes.CLI_ARGS}: --port: must be a port`]);

    const plain = capture();
    await runAction(() => {
      throw new Error('disk on fire');
    }, plain);
    expect(plain.exitCode).toBe(ExitCode.FAILURE);
    expect(plain.lines).toEqual(['outpost: disk on fire']);
  });
});

describe('runProgram', () => {
  function program(io: Captured, ran: string[]): Command {
    const root = new Command('outpost').version('1.2.3').configureOutput({ writeOut: io.out, writeErr: io.err });
    root.addCommand(
      new Command('count')
        .argument('<n>', 'a number', intOption('<n>', { min: 1 }))
        .option('--no-go', 'answer no-go')
        .configureOutput({ writeOut: io.out, writeErr: io.err })
        .action(async (n: number, o: { go: boolean }) => {
          await runAction(() => {
            ran.push(`count ${n}`);
            return o.go ? undefined : ExitCode.NO_GO;
          }, io);
        }),
    );
    return root;
  }

  it.each([
    [['count', '2'], ExitCode.OK, ['count 2']],
    [['count', '2', '--no-go'], ExitCode.NO_GO, ['count 2']],
    [['--help'], ExitCode.OK, []],
    [['count', '--help'], ExitCode.OK, []],
    [['--version'], ExitCode.OK, []],
    [['count'], ExitCode.USAGE, []],
    [['count', '2', '--bogus'], ExitCode.USAGE, []],
    [['nosuch'], ExitCode.USAGE, []],
    [['count', '0'], ExitCode.USAGE, []],
  ])('outpost %j exits %i', async (args, code, ran) => {
    const io = capture();
    const seen: string[] = [];
    expect(await runProgram(program(io, seen), ['node', 'outpost', ...args], io)).toBe(code);
    expect(seen).toEqual(ran);
    if (code === ExitCode.USAGE) expect(io.exitCode).toBe(ExitCode.USAGE);
  });

  it("prints a parser's usage error as one coded line", async () => {
    const io = capture();
    await runProgram(program(io, []), ['node', 'outpost', 'count', 'x'], io);
    expect(io.lines).toEqual([`outpost: ${CliErrorCodes.CLI_ARGS}: <n>: must be an integer, got "x"`]);
  });
});
