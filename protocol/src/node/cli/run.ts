/**
 * The action runner of the CLI kit (docs/ARCHITECTURE.md "Running a tier"): one place that turns
 * a command's outcome into an exit code and a coded error into one line on stderr,
 * `outpost: CODE: message`, without a stack trace.
 */
import { CliErrorCodes } from '../../errors.ts';
import { OutpostError } from '../../outpost-error.ts';

/** The exit codes of every `outpost` command. */
export const ExitCode = {
  /** Done. */
  OK: 0,
  /** Failed: a coded error (printed) or an unexpected one. */
  FAILURE: 1,
  /** Usage: a missing or invalid argument or option (`OUTPOST_ERR_CLI_ARGS`, or commander's own). */
  USAGE: 2,
  /** Ran, and the answer is no-go (e.g. `outpost train` whose chosen model fails its spec's bar). */
  NO_GO: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Where a command prints and how it ends; tests pass their own. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  setExitCode(code: number): void;
}

export const processIO: CliIO = {
  out: (text) => {
    process.stdout.write(`${text}\n`);
  },
  err: (text) => {
    process.stderr.write(`${text}\n`);
  },
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

/** The exit code each io was last given by `runAction`, so `runProgram` can return it. */
const lastExitCode = new WeakMap<CliIO, number>();

/** The one line a failure prints. */
export function failureLine(err: unknown): string {
  if (err instanceof OutpostError) return `outpost: ${err.code}: ${err.message}`;
  if (err instanceof Error) return `outpost: ${err.message}`;
  return `outpost: ${String(err)}`;
}

/** The exit code of a failure: 2 for a usage error, else 1. */
export function exitCodeOf(err: unknown): ExitCode {
  return err instanceof OutpostError && err.code === CliErrorCodes.CLI_ARGS ? ExitCode.USAGE : ExitCode.FAILURE;
}

/**
 * Runs a command body. It returns nothing (exit 0) or an exit code (e.g. `ExitCode.NO_GO`); a
 * throw prints `failureLine` and exits `exitCodeOf`. Sets the exit code through `io` and returns it.
 */
export async function runAction(
  body: () => Promise<number | void> | number | void,
  io: CliIO = processIO,
): Promise<number> {
  let code: number;
  try {
    code = (await body()) ?? ExitCode.OK;
  } catch (err) {
    io.err(failureLine(err));
    code = exitCodeOf(err);
  }
  io.setExitCode(code);
  lastExitCode.set(io, code);
  return code;
}

/** What the kit needs of a commander program (no commander import here, so --help stays cheap). */
export interface ParsableProgram {
  readonly commands: readonly ParsableProgram[];
  exitOverride(): unknown;
  parseAsync(argv: readonly string[], options?: { from: 'node' | 'user' }): Promise<unknown>;
}

interface CommanderLikeError {
  code: string;
  exitCode: number;
}

function isCommanderError(err: unknown): err is CommanderLikeError {
  const e = err as Partial<CommanderLikeError> | null;
  return typeof e?.code === 'string' && e.code.startsWith('commander.') && typeof e.exitCode === 'number';
}

/**
 * Parses and runs a program: `--help` and `--version` exit 0, commander's own usage errors (an
 * unknown option, a missing argument; commander has printed them) exit 2, and an error thrown by
 * a parser or an action outside `runAction` is printed and coded as `runAction` does.
 */
export async function runProgram(
  program: ParsableProgram,
  argv: readonly string[] = process.argv,
  io: CliIO = processIO,
): Promise<number> {
  const override = (c: ParsableProgram): void => {
    c.exitOverride();
    for (const sub of c.commands) override(sub);
  };
  override(program);
  let code: number;
  lastExitCode.delete(io);
  try {
    await program.parseAsync(argv);
    // The action has set its exit code: through `runAction`, or on the process.
    return lastExitCode.get(io) ?? Number(process.exitCode ?? ExitCode.OK);
  } catch (err) {
    if (isCommanderError(err)) {
      code = err.exitCode === 0 ? ExitCode.OK : ExitCode.USAGE;
    } else {
      io.err(failureLine(err));
      code = exitCodeOf(err);
    }
  }
  io.setExitCode(code);
  return code;
}
