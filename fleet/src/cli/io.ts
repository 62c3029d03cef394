import { errorMessage } from '@outpost/protocol';

/** Where the CLI prints and how it ends; tests pass their own. */
export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  setExitCode(code: number): void;
  /** Resolves when a long-running command should stop (default: SIGINT or SIGTERM). */
  waitForStop(): Promise<void>;
}

export const processIO: CliIO = {
  out: (text) => console.log(text),
  err: (text) => console.error(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  waitForStop: () =>
    new Promise<void>((resolve) => {
      const stop = (): void => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }),
};

/** Runs a command body; a failure prints `error: CODE: message` and exits non-zero instead of a stack trace. */
export async function runAction(io: CliIO, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    io.err(`error: ${errorMessage(err)}`);
    io.setExitCode(1);
  }
}
